//! Validation of endpoint path templates such as `/organizations/{organization_id_or_slug}/`.

/// A problem with a path template, with a `help:` text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PathError {
    pub(crate) message: String,
    pub(crate) help: String,
}

fn err(message: impl Into<String>, help: impl Into<String>) -> PathError {
    PathError { message: message.into(), help: help.into() }
}

/// Checks a path template and returns its parameter names.
///
/// Rules: a leading `/`; no empty segment; no whitespace, `?` or `#`; every `{param}` is a whole
/// segment named like an identifier; `{*rest}` only as the last segment; no parameter twice.
pub(crate) fn validate(path: &str) -> Result<Vec<String>, PathError> {
    if !path.starts_with('/') {
        return Err(err(
            format!("path {path:?} must start with `/`"),
            format!("write \"/{}\"", path.trim_start_matches('/')),
        ));
    }
    if let Some(c) = path.chars().find(|c| c.is_whitespace() || c.is_control() || *c == '?' || *c == '#') {
        return Err(err(
            format!("path {path:?} contains {c:?}, which cannot appear in a route template"),
            "remove it; query strings are not part of the route",
        ));
    }
    let mut params: Vec<String> = Vec::new();
    let body = &path[1..];
    let segments: Vec<&str> = if body.is_empty() { Vec::new() } else { body.split('/').collect() };
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        // A trailing slash gives one empty last segment, which is fine.
        if seg.is_empty() {
            if i == last {
                continue;
            }
            return Err(err(format!("path {path:?} has an empty segment (`//`)"), "remove the doubled `/`"));
        }
        // axum 0.7 wrote parameters as `:name` and catch-alls as `*name`; axum 0.8 serves those
        // segments as literal text, so a route declared that way would never match a request.
        if let Some(name) = seg.strip_prefix(':').or_else(|| seg.strip_prefix('*'))
            && is_param_name(name)
        {
            let brace = if seg.starts_with('*') { format!("{{*{name}}}") } else { format!("{{{name}}}") };
            return Err(err(
                format!("path segment `{seg}` uses axum 0.7 syntax, which axum 0.8 matches literally"),
                format!("write the parameter as `{brace}`"),
            ));
        }
        let opens = seg.matches('{').count();
        let closes = seg.matches('}').count();
        if opens == 0 && closes == 0 {
            continue;
        }
        if opens != closes {
            return Err(err(
                format!("path {path:?} has unbalanced `{{`/`}}` in segment `{seg}`"),
                "write parameters as `{name}`",
            ));
        }
        if opens > 1 || !seg.starts_with('{') || !seg.ends_with('}') {
            return Err(err(
                format!("path segment `{seg}` mixes a parameter with other text"),
                "a parameter must be a whole segment, like `/{dashboard_id}/`",
            ));
        }
        let inner = &seg[1..seg.len() - 1];
        let (name, catch_all) = match inner.strip_prefix('*') {
            Some(rest) => (rest, true),
            None => (inner, false),
        };
        if !is_param_name(name) {
            return Err(err(
                format!("path parameter `{seg}` needs a name made of letters, digits and `_`"),
                "write parameters as `{name}`",
            ));
        }
        if catch_all && i != last {
            return Err(err(
                format!("catch-all parameter `{seg}` must be the last segment"),
                "move `{*name}` to the end of the path",
            ));
        }
        if params.iter().any(|p| p == name) {
            return Err(err(
                format!("path parameter `{name}` appears twice in {path:?}"),
                "give each parameter a distinct name",
            ));
        }
        params.push(name.to_string());
    }
    Ok(params)
}

fn is_param_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sentry_paths() {
        assert_eq!(
            validate("/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/")
                .map_err(|e| e.message),
            Ok(vec!["organization_id_or_slug".to_string(), "dashboard_id".to_string()])
        );
        assert_eq!(validate("/").map_err(|e| e.message), Ok(vec![]));
        assert!(validate("/files/{*rest}").is_ok());
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "organizations/",
            "",
            "/a//b/",
            "/a/{x/",
            "/a/x}/",
            "/a/{}/",
            "/a/{x}{y}/",
            "/a/pre{x}/",
            "/a/{x}/b/{x}/",
            "/a/{*x}/b",
            "/a b/",
            "/a?b=1",
            "/a/{1x}/",
        ] {
            assert!(validate(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn axum_07_parameters_get_the_08_spelling() {
        let e = validate("/docs/:id/").unwrap_err();
        assert!(e.message.contains("axum 0.7"), "{}", e.message);
        assert_eq!(e.help, "write the parameter as `{id}`");
        assert_eq!(validate("/files/*rest").unwrap_err().help, "write the parameter as `{*rest}`");
        // A colon inside a literal segment is just text.
        assert!(validate("/a/b:c/").is_ok());
        assert!(validate("/a/:/").is_ok());
    }
}
