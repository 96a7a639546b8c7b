//! What every page's frame shows: the title, who is signed in, the menu their role opens, the
//! token their forms carry, and the large-text mode older readers choose (适老化).

use shishi_core::{can, Action, Resource, Role, User};

/// The signed-in person as the header shows them.
#[derive(Debug, Clone)]
pub(crate) struct Badge {
    pub name: String,
    pub role: &'static str,
}

/// Which menu entries the viewer's role opens.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Menu {
    pub dashboard: bool,
    pub review: bool,
    pub admin: bool,
    pub my_targets: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub title: String,
    pub user: Option<Badge>,
    pub menu: Menu,
    /// The CSRF token for the forms on the page (sign-out among them); empty for the public
    /// until a page with a form gives them one.
    pub csrf: String,
    pub large: bool,
    /// The signed-in user's unread notices (站内提醒), shown beside their name.
    pub unread: i64,
}

impl Chrome {
    /// The frame of a page shown to `user`.
    pub(crate) fn new(
        title: impl Into<String>,
        user: Option<&User>,
        csrf: &str,
        large: bool,
    ) -> Self {
        let system = Resource::System;
        let menu = match user {
            None => Menu::default(),
            Some(user) => Menu {
                dashboard: can(Some(user), Action::ViewInternal, &system),
                review: can(Some(user), Action::ApproveReport, &system),
                admin: can(Some(user), Action::EditPlan, &system),
                my_targets: matches!(user.role, Role::Reporter | Role::UnitHead),
            },
        };
        Self {
            title: title.into(),
            user: user.map(|u| Badge {
                name: u.name.clone(),
                role: u.role.label_zh(),
            }),
            menu,
            csrf: csrf.to_owned(),
            large,
            unread: 0,
        }
    }

    /// The frame of an error page, which knows nothing of the viewer.
    pub(crate) fn bare(title: &str) -> Self {
        Self::new(title, None, "", false)
    }
}
