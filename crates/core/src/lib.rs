//! The domain of shishi: plans, items, targets, units, reports, schedules and status. Pure; no I/O. (Built by issue 3.)
