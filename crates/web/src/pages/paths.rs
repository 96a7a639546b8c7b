//! Every page's path in one place, so links and routes cannot drift apart.

pub(crate) const HOME: &str = "/";
pub(crate) const LOGIN: &str = "/login";
pub(crate) const LOGOUT: &str = "/logout";
pub(crate) const DISPLAY: &str = "/display";
pub(crate) const STYLESHEET: &str = "/static/shishi.css";
pub(crate) const DASHBOARD: &str = "/dashboard";
pub(crate) const REVIEW: &str = "/review";
pub(crate) const MY_TARGETS: &str = "/my";
pub(crate) const LEDGER: &str = "/ledger.xlsx";
pub(crate) const MY_LEDGER: &str = "/my/ledger.xlsx";
pub(crate) const MY_LEDGER_UPLOAD: &str = "/my/ledger";
pub(crate) const ADMIN_UNITS: &str = "/admin/units";
pub(crate) const ADMIN_USERS: &str = "/admin/users";
pub(crate) const ADMIN_IMPORT: &str = "/admin/import";
pub(crate) const BULLETINS: &str = "/bulletins";
pub(crate) const BULLETIN_PREVIEW: &str = "/bulletins/preview";
pub(crate) const BULLETIN_STYLESHEET: &str = "/static/bulletin.css";

pub(crate) const ORDERS: &str = "/orders";
pub(crate) const ORDER_NEW: &str = "/orders/new";
pub(crate) const MY_ORDERS: &str = "/my/orders";

pub(crate) fn order(id: i64) -> String {
    format!("/orders/{id}")
}

pub(crate) fn new_order(item: i64) -> String {
    format!("/orders/new?item={item}")
}

pub(crate) fn answer_order(id: i64) -> String {
    format!("/orders/{id}/answer")
}

pub(crate) fn close_order(id: i64) -> String {
    format!("/orders/{id}/close")
}

pub(crate) fn send_back_order(id: i64) -> String {
    format!("/orders/{id}/send-back")
}

// The public's messages (群众留言).
pub(crate) const FEEDBACK: &str = "/feedback";
pub(crate) const MY_FEEDBACK: &str = "/my/feedback";

pub(crate) fn item_feedback(item: i64) -> String {
    format!("/items/{item}/feedback")
}

pub(crate) fn item_feedback_sent(item: i64) -> String {
    format!("/items/{item}/feedback/sent")
}

// The satisfaction survey (满意度测评).
pub(crate) const SURVEYS: &str = "/surveys";

pub(crate) fn survey(id: i64) -> String {
    format!("/surveys/{id}")
}

pub(crate) fn survey_results(id: i64) -> String {
    format!("/surveys/{id}/results")
}

pub(crate) const ASSESSMENT: &str = "/assessment";
pub(crate) const ASSESSMENT_XLSX: &str = "/assessment.xlsx";
pub(crate) const ASSESSMENT_WEIGHTS: &str = "/assessment/weights";
pub(crate) const ASSESSMENT_ENTRIES: &str = "/assessment/entries";

pub(crate) fn assessment_unit(unit: i64, plan: i64) -> String {
    format!("/assessment/units/{unit}?plan={plan}")
}

pub(crate) fn withdraw_assessment_entry(id: i64) -> String {
    format!("/assessment/entries/{id}/withdraw")
}

// The deputies' vote (人大代表票决).
pub(crate) const VOTES: &str = "/votes";
pub(crate) const PROPOSALS: &str = "/proposals";
pub(crate) const VOTE_ADMIN: &str = "/vote/admin";
pub(crate) const VOTE_CANDIDATES: &str = "/vote/candidates";
pub(crate) const VOTE_SESSIONS: &str = "/vote/sessions";
pub(crate) const DEPUTY: &str = "/deputy";
pub(crate) const DEPUTY_FOLLOW: &str = "/deputy/follow";

pub(crate) fn vote_session(id: i64) -> String {
    format!("/vote/sessions/{id}")
}

pub(crate) fn vote_ballot(id: i64) -> String {
    format!("/vote/sessions/{id}/ballot")
}

pub(crate) fn close_vote_session(id: i64) -> String {
    format!("/vote/sessions/{id}/close")
}

pub(crate) fn adopt_vote_session(id: i64) -> String {
    format!("/vote/sessions/{id}/adopt")
}

pub(crate) fn vote_candidate(id: i64) -> String {
    format!("/vote/candidates/{id}")
}

pub(crate) fn withdraw_candidate(id: i64) -> String {
    format!("/vote/candidates/{id}/withdraw")
}

pub(crate) fn moderate_proposal(id: i64) -> String {
    format!("/vote/proposals/{id}/moderate")
}

pub(crate) fn item_deputy_comments(item: i64) -> String {
    format!("/items/{item}/deputy-comments")
}

pub(crate) fn plan(id: i64) -> String {
    format!("/plans/{id}")
}

pub(crate) fn item(id: i64) -> String {
    format!("/items/{id}")
}

pub(crate) fn file(hash: &str) -> String {
    format!("/files/{hash}")
}

pub(crate) fn bulletin(id: i64) -> String {
    format!("/bulletins/{id}")
}

pub(crate) fn bulletin_docx(id: i64) -> String {
    format!("/bulletins/{id}/docx")
}

// Open data (开放数据): the documentation page, the downloads and their schemas.
pub(crate) const OPEN_DATA: &str = "/open-data";
pub(crate) const OPEN_DATA_SITE_FILE: &str = "/open-data/{file}";
pub(crate) const OPEN_DATA_PLAN_FILE: &str = "/open-data/plans/{id}/{file}";
pub(crate) const OPEN_DATA_SCHEMA_FILE: &str = "/open-data/schema/{file}";

/// A dataset of every plan, such as `/open-data/plans.csv`.
pub(crate) fn open_data_site(dataset: &str, format: &str) -> String {
    format!("/open-data/{dataset}.{format}")
}

/// One plan's dataset, such as `/open-data/plans/1/items.json`.
pub(crate) fn open_data_plan(plan: i64, dataset: &str, format: &str) -> String {
    format!("/open-data/plans/{plan}/{dataset}.{format}")
}

pub(crate) fn open_data_schema(dataset: &str) -> String {
    format!("/open-data/schema/{dataset}.json")
}

pub(crate) fn report(id: i64) -> String {
    format!("/reports/{id}")
}

pub(crate) fn report_form(target: i64) -> String {
    format!("/targets/{target}/report")
}

pub(crate) fn unit_approve_report(id: i64) -> String {
    format!("/reports/{id}/unit-approve")
}

// The supervisor's pages.
pub(crate) const ADMIN_UNITS_MERGE: &str = "/admin/units/merge";
pub(crate) const ADMIN_IMPORT_CONFIRM: &str = "/admin/import/confirm";

pub(crate) fn approve_report(id: i64) -> String {
    format!("/reports/{id}/approve")
}

pub(crate) fn return_report(id: i64) -> String {
    format!("/reports/{id}/return")
}

pub(crate) fn admin_item(id: i64) -> String {
    format!("/admin/items/{id}")
}

pub(crate) fn admin_target(id: i64) -> String {
    format!("/admin/targets/{id}")
}

pub(crate) fn admin_unit_aliases(id: i64) -> String {
    format!("/admin/units/{id}/aliases")
}

pub(crate) fn admin_user(id: i64) -> String {
    format!("/admin/users/{id}")
}

/// The sign-in page, coming back to `next` afterwards.
pub(crate) fn login_then(next: &str) -> String {
    let mut url = String::from(LOGIN);
    url.push_str("?next=");
    for byte in next.bytes() {
        // Percent-encode all but the characters a path needs, so `next` stays one parameter.
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// Only a path on this site is a place to return to after sign-in: `//host` or `https://`
/// would make the sign-in page an open redirect.
pub(crate) fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to_after_sign_in() {
        assert_eq!(safe_next(Some("/items/3")), Some("/items/3"));
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn the_return_path_is_one_encoded_parameter() {
        assert_eq!(login_then("/my?x=1&y=2"), "/login?next=/my%3Fx%3D1%26y%3D2");
    }
}
