//! The JSON API under `/api/v1`: routes, and the OpenAPI document generated from them.

mod feedback;
mod orders;
mod plans;
mod reports;
mod surveys;
mod views;
mod votes;

use crate::error::{ApiError, ErrorBody, FieldError};
use crate::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shishi API",
        description = "实事: a government's yearly list of public commitments — plans, \
            targets, progress reports and where each stands (序时). Without a token the \
            plan endpoints give the public view: approved figures only."
    ),
    modifiers(&BearerToken),
    components(schemas(ErrorBody, FieldError)),
    tags(
        (name = "plans", description = "Plans, their items and targets, and their status"),
        (name = "reports", description = "Progress reports and their review"),
        (name = "orders", description = "Supervision orders (督办单): issued to a unit, answered, closed or sent back"),
        (name = "feedback", description = "The public's messages (群众留言): published ones with their approved answers"),
        (name = "surveys", description = "Satisfaction surveys (满意度测评): a plan's surveys, and results per item and per lead unit by group"),
        (name = "votes", description = "The deputies' vote (人大代表票决): sessions, turnout and, once closed, counts and results per candidate"),
    )
)]
struct ApiDoc;

/// The `token` security scheme the operations refer to: `Authorization: Bearer TOKEN`, with
/// a token from `shishi token create`.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) fn router() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(plans::list))
        .routes(routes!(plans::detail))
        .routes(routes!(plans::status))
        .routes(routes!(reports::submit))
        .routes(routes!(reports::detail))
        .routes(routes!(reports::approve))
        .routes(routes!(reports::send_back))
        .routes(routes!(orders::issue))
        .routes(routes!(orders::list))
        .routes(routes!(orders::detail))
        .routes(routes!(orders::answer))
        .routes(routes!(orders::close))
        .routes(routes!(orders::send_back))
        .routes(routes!(feedback::published))
        .routes(routes!(surveys::list))
        .routes(routes!(surveys::results))
        .routes(routes!(votes::list))
        .routes(routes!(votes::detail))
        .split_for_parts();
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let document = document.clone();
            async move { Json(document) }
        }),
    )
}

/// The answer to a path no route serves under `/api/`: JSON like every API answer.
pub(crate) fn no_such_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// An id from the path; one that is not a number names nothing, so it is a 404 like an
/// unknown id, not a 400.
fn path_id(path: Result<Path<i64>, PathRejection>, what: &str) -> Result<i64, ApiError> {
    match path {
        Ok(Path(id)) => Ok(id),
        Err(_) => Err(ApiError::NotFound(what.to_owned())),
    }
}
