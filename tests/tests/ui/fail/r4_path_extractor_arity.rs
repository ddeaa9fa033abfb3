// A handler's `Path` extractor must match the declared template: a tuple of another length, a
// single value where there are several parameters, or any `Path` where there are none, would
// answer every request 500 after the permission check passed. Each is an error on the extractor.

use axum::extract::Path;

#[scopegate::endpoint(method = GET, path = "/{project}/notes/{note_id}/", scopes = ["project:read"])]
async fn note(Path(note): Path<String>) -> String {
    note
}

#[scopegate::endpoint(method = PUT, path = "/{project}/notes/{note_id}/", scopes = ["project:write"])]
async fn update_note(Path((project, note, extra)): axum::extract::Path<(String, u64, u8)>) -> String {
    format!("{project} {note} {extra}")
}

#[scopegate::endpoint(method = GET, path = "/notes/", scopes = ["project:read"])]
async fn notes(Path(id): Path<u64>) -> String {
    id.to_string()
}

// Structs and maps are deserialized by name: not checked here.
#[derive(serde::Deserialize)]
struct NoteParams {
    project: String,
}

#[scopegate::endpoint(method = DELETE, path = "/{project}/notes/{note_id}/", scopes = ["project:admin"])]
async fn delete_note(Path(params): Path<NoteParams>) -> String {
    params.project
}

fn main() {}
