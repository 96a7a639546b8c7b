//! The HTTP face of shishi: JSON API and server-rendered pages. (Built by issues 3 and 4.)
