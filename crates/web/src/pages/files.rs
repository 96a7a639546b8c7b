//! `GET /files/{hash}`: a report's photo or document by the SM3 hash of its bytes. The
//! public sees a file once a revision at least as new as the one it came with is approved;
//! until then only those who may read the report internally do.

use super::error::PageError;
use super::session::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use shishi_core::{can, Action, Denied, Resource};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/files/{hash}", get(file))
}

/// An SM3 digest in hex: 64 characters.
fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A name for `filename*` (RFC 5987): UTF-8, percent-encoded, so Chinese names survive.
fn encoded_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Pictures and PDFs open in the browser; anything else is offered as a download, so an
/// Office file is never interpreted by the browser.
fn shown_inline(content_type: &str) -> bool {
    content_type.starts_with("image/") || content_type == "application/pdf"
}

pub(crate) async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(hash): Path<String>,
) -> Result<Response, PageError> {
    let not_found = || PageError::NotFound("file".to_owned());
    if !is_hash(&hash) {
        return Err(not_found());
    }
    let hash = hash.to_ascii_lowercase();
    let Some((content_type, bytes)) = state.store.attachment_bytes(&hash).await? else {
        return Err(not_found());
    };
    let mut public = false;
    let mut internal = false;
    let mut name = None;
    for report_id in state.store.reports_with_attachment(&hash).await? {
        let report = state.store.report(report_id).await?;
        let files = state.store.attachments_for_report(report_id).await?;
        let Some(attachment) = files.iter().find(|a| a.hash == hash) else {
            continue;
        };
        name.get_or_insert_with(|| attachment.name.clone());
        if report
            .approved()
            .is_some_and(|r| r.number >= attachment.revision)
        {
            public = true;
            name = Some(attachment.name.clone());
            break;
        }
        if let Some(user) = viewer.user() {
            let scope = state.store.target_scope(report.target()).await?;
            internal |= can(
                Some(user),
                Action::ViewInternal,
                &Resource::Report {
                    lead_units: &scope.lead_units,
                    state: report.state(),
                },
            );
        }
    }
    if !public && !internal {
        // The public is not told that an unpublished file exists.
        return Err(match viewer.user() {
            Some(_) => PageError::Forbidden(Denied::OutsideUnit),
            None => not_found(),
        });
    }
    let mut headers = HeaderMap::new();
    let content_type_value = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type_value);
    let disposition = if shown_inline(&content_type) {
        "inline"
    } else {
        "attachment"
    };
    let name = name.unwrap_or_else(|| hash.clone());
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename*=UTF-8''{}",
        encoded_name(&name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The address is the content's hash, so the bytes never change: cache for a year. A file
    // not yet public stays out of shared caches and is kept briefly, since the browser may
    // be a shared office computer.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=31536000, immutable"
        } else {
            "private, max-age=600"
        }),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_digest_is_an_address() {
        assert!(is_hash(&"a".repeat(64)));
        assert!(!is_hash(&"a".repeat(63)));
        assert!(!is_hash(&"g".repeat(64)));
        assert!(!is_hash("../../etc/passwd"));
    }

    #[test]
    fn chinese_names_are_percent_encoded() {
        assert_eq!(encoded_name("现场 1.jpg"), "%E7%8E%B0%E5%9C%BA%201.jpg");
        assert!(shown_inline("image/jpeg"));
        assert!(shown_inline("application/pdf"));
        assert!(!shown_inline("application/msword"));
    }
}
