//! "Did you mean …?" suggestions for near-miss keys, scopes and keywords.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub(crate) fn nearest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lowered = input.to_ascii_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for candidate in candidates {
        if candidate.eq_ignore_ascii_case(input) {
            return Some(candidate);
        }
        let score = strsim::normalized_damerau_levenshtein(&lowered, &candidate.to_ascii_lowercase());
        if score > 0.6 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

/// `" Did you mean `x`?"` or the empty string.
pub(crate) fn did_you_mean<'a, I>(input: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match nearest(input, candidates) {
        Some(c) => format!(" Did you mean `{c}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_rejects_strangers() {
        let scopes = ["org:read", "org:write", "project:read"];
        assert_eq!(nearest("org:reed", scopes), Some("org:read"));
        assert_eq!(nearest("org:writ", scopes), Some("org:write"));
        assert_eq!(nearest("PUT", ["GET", "PUT"]), Some("PUT"));
        assert_eq!(nearest("put", ["GET", "PUT"]), Some("PUT"));
        assert_eq!(nearest("banana", scopes), None);
        assert_eq!(did_you_mean("xyz", scopes), "");
        // Too far to be a typo (distance 2 of 5): no misleading suggestion.
        assert_eq!(nearest("FETCH", ["GET", "PATCH"]), None);
        assert_eq!(nearest("replays", ["replay"]), Some("replay"));
        assert_eq!(did_you_mean("scope", ["scopes", "path"]), " Did you mean `scopes`?");
        assert_eq!(nearest("", scopes), None);
    }
}
