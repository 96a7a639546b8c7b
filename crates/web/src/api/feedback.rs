//! The public's messages (群众留言) as JSON: the published messages on an item with their
//! approved answers, exactly what the item page shows. Public; never a contact.

use super::path_id;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use shishi_core::{AnswerState, Feedback, ItemId};
use utoipa::ToSchema;

/// A lead unit's answer, approved by the supervisor.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAnswerView {
    /// The answering unit's id.
    pub unit: i64,
    pub text: String,
    /// `YYYY-MM-DD`: the day the unit answered.
    pub answered_on: String,
    /// `YYYY-MM-DD`: the day the supervisor approved the answer.
    pub approved_on: String,
}

/// A published message. The contact a person left is never part of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMessageView {
    pub id: i64,
    pub item: i64,
    /// What the person wrote, as typed (line breaks as `\n`; markup is text, not HTML).
    pub text: String,
    /// The name they signed with; none for an anonymous message.
    pub name: Option<String>,
    /// `YYYY-MM-DD`.
    pub posted_on: String,
    /// `YYYY-MM-DD`: the day the supervisor published it.
    pub published_on: Option<String>,
    /// The approved answer, if any.
    pub answer: Option<PublicAnswerView>,
}

impl PublicMessageView {
    fn new(message: &Feedback) -> Self {
        Self {
            id: message.id().get(),
            item: message.item().get(),
            text: message.text().as_str().to_owned(),
            name: message.name().map(|n| n.as_str().to_owned()),
            posted_on: message.posted_on().to_string(),
            published_on: match message.moderation() {
                shishi_core::Moderation::Published { on } => Some(on.to_string()),
                _ => None,
            },
            answer: message.public_answer().and_then(|a| match &a.state {
                AnswerState::Approved { on } => Some(PublicAnswerView {
                    unit: a.unit.get(),
                    text: a.text.as_str().to_owned(),
                    answered_on: a.answered_on.to_string(),
                    approved_on: on.to_string(),
                }),
                _ => None,
            }),
        }
    }
}

/// The published messages on an item, newest first, each with its approved answer.
#[utoipa::path(
    get, path = "/api/v1/items/{id}/feedback", tag = "feedback",
    params(("id" = i64, Path, description = "The item's id")),
    responses(
        (status = 200, body = [PublicMessageView]),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn published(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Vec<PublicMessageView>>, ApiError> {
    let item = ItemId::new(path_id(id, "item")?);
    // An unknown item is a 404, not an empty list.
    state.store.item_plan(item).await?;
    let messages = state.store.public_feedback_for_item(item).await?;
    Ok(Json(messages.iter().map(PublicMessageView::new).collect()))
}
