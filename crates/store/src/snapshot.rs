//! A plan with all its reports, read once and shared by every page view until something is
//! written. The portal, the dashboard and the API read whole plans on every request; at
//! month-end hundreds of people look at once, and the plan changes far less often than it
//! is read.
//!
//! A snapshot is keyed by the writer's generation, which changes after every commit of this
//! process and before the writer answers, so whoever has just written reads their write. A
//! write from another process (the command line on the same database) is not seen by the
//! generation; snapshots are therefore also kept for a few seconds at most.

use crate::error::Result;
use crate::{PlanDetail, Store};
use shishi_core::{PlanId, Report};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a snapshot may serve when nothing is written through this process.
const MAX_AGE: Duration = Duration::from_secs(5);

/// A plan and every report on its targets, ordered by target and month (so each target's
/// reports are one run of the slice).
#[derive(Debug)]
pub struct PlanSnapshot {
    pub detail: PlanDetail,
    pub reports: Vec<Report>,
}

#[derive(Debug, Default)]
pub(crate) struct SnapshotCache {
    plans: Mutex<HashMap<PlanId, Entry>>,
    /// Held while a snapshot is loaded, so that when one expires under load a single reader
    /// reloads it and the others wait for that one, instead of every waiting request loading
    /// the whole plan at once (which made the slowest page views take over a second).
    loading: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Entry {
    generation: u64,
    taken: Instant,
    snapshot: Arc<PlanSnapshot>,
}

impl Store {
    /// The plan with its reports as they stand now, shared with other readers.
    pub async fn plan_snapshot(&self, id: PlanId) -> Result<Arc<PlanSnapshot>> {
        // The generation is read before the data: a write that lands in between makes the
        // entry older than its tag says, so it is only ever reloaded early, never served late.
        let generation = self.writer.generation();
        if let Some(snapshot) = self.snapshots.fresh(id, generation) {
            return Ok(snapshot);
        }
        let _loading = self.snapshots.loading.lock().await;
        let generation = self.writer.generation();
        if let Some(snapshot) = self.snapshots.fresh(id, generation) {
            return Ok(snapshot);
        }
        let detail = self.plan(id).await?;
        let mut reports = self.reports_for_plan(id).await?;
        reports.sort_by_key(|r| (r.target(), r.period()));
        let snapshot = Arc::new(PlanSnapshot { detail, reports });
        self.snapshots.keep(id, generation, snapshot.clone());
        Ok(snapshot)
    }
}

impl SnapshotCache {
    fn fresh(&self, id: PlanId, generation: u64) -> Option<Arc<PlanSnapshot>> {
        let plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = plans.get(&id)?;
        (entry.generation == generation && entry.taken.elapsed() < MAX_AGE)
            .then(|| entry.snapshot.clone())
    }

    fn keep(&self, id: PlanId, generation: u64, snapshot: Arc<PlanSnapshot>) {
        let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        plans.insert(
            id,
            Entry {
                generation,
                taken: Instant::now(),
                snapshot,
            },
        );
    }
}
