//! The group-commit writer: one task runs every write, many at a time in one transaction.
//!
//! Month-end, every unit submits at once. One fsync per submission would cap throughput at
//! the disk's sync rate, so the writer takes all the writes that are waiting, runs each in
//! its own savepoint (one bad write fails alone), commits once, and only then answers each
//! caller: an acknowledged write is on disk. Serialising writes here also keeps the audit
//! chain a chain: each event links to the one written just before it.

use crate::error::{Result, StoreError};
use crate::sql::{Backend, Tx};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most writes one transaction takes: enough to share a commit widely, few enough that
/// the first caller of a batch does not wait long behind the last.
const MAX_BATCH: usize = 256;

/// How many writes may wait for the writer before callers wait to hand theirs in.
const QUEUE: usize = 4096;

/// A write handed to the writer, of any result type.
trait Job: Send {
    /// Whether the write may change what a plan snapshot holds (the plan, its items,
    /// targets and units, its reports). Only such writes make readers reload.
    fn touches_plans(&self) -> bool;
    /// Runs the write inside the batch's transaction; the outcome waits for the commit.
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Box<dyn Outcome>>;
    /// Answers without running: the batch could not start.
    fn refuse(self: Box<Self>, error: StoreError);
}

/// A write that ran, waiting for the commit to be answered.
trait Outcome: Send {
    fn succeeded(&self) -> bool;
    /// `commit` is how the batch's commit ended; a failed commit fails every write in it.
    fn answer(self: Box<Self>, commit: Result<()>);
}

struct TypedJob<F, T> {
    work: F,
    reply: oneshot::Sender<Result<T>>,
    touches_plans: bool,
}

struct TypedOutcome<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<F, T> Job for TypedJob<F, T>
where
    F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
    T: Send + 'static,
{
    fn touches_plans(&self) -> bool {
        self.touches_plans
    }

    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Box<dyn Outcome>> {
        let TypedJob { work, reply, .. } = *self;
        Box::pin(async move {
            let result = work(tx).await;
            Box::new(TypedOutcome { result, reply }) as Box<dyn Outcome>
        })
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        // The caller may have gone away; then nobody is waiting for the answer.
        let _ = self.reply.send(Err(error));
    }
}

impl<T: Send> Outcome for TypedOutcome<T> {
    fn succeeded(&self) -> bool {
        self.result.is_ok()
    }

    fn answer(self: Box<Self>, commit: Result<()>) {
        let answer = match (self.result, commit) {
            (Ok(value), Ok(())) => Ok(value),
            (Err(own), _) => Err(own),
            (Ok(_), Err(commit)) => Err(commit),
        };
        let _ = self.reply.send(answer);
    }
}

/// The handle callers send writes through. Cloned with the store; the writer task ends when
/// the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
    stats: Arc<Counters>,
}

/// How well commits are shared: commits made and writes carried by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitStats {
    pub commits: u64,
    pub writes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
    /// Bumped after each commit that may have changed a plan or its reports, before its
    /// writers are answered, so whoever learns of such a write also sees a new generation:
    /// read caches keyed by it are never stale to them.
    generation: AtomicU64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer task on the current tokio runtime.
    pub(crate) fn start(backend: Backend) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let stats = Arc::new(Counters::default());
        tokio::spawn(run(backend, jobs, stats.clone()));
        Self { queue, stats }
    }

    /// Changes whenever a write of this process that may change a plan has committed.
    pub(crate) fn generation(&self) -> u64 {
        self.stats.generation.load(Ordering::Acquire)
    }

    pub(crate) fn stats(&self) -> CommitStats {
        CommitStats {
            commits: self.stats.commits.load(Ordering::Relaxed),
            writes: self.stats.writes.load(Ordering::Relaxed),
        }
    }

    /// Runs `work` in the writer's next transaction and answers once that has committed.
    /// Readers of plan snapshots reload after it: the safe choice for any write.
    pub(crate) async fn write<F, T>(&self, work: F) -> Result<T>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.submit(work, true).await
    }

    /// [`Writer::write`] for a write that changes nothing a plan snapshot holds (a session,
    /// a notice, the public's messages and ratings): the portal's cached plan stays, so a
    /// year-end flood of ratings does not make every page view reload the plan.
    pub(crate) async fn write_aside<F, T>(&self, work: F) -> Result<T>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.submit(work, false).await
    }

    async fn submit<F, T>(&self, work: F, touches_plans: bool) -> Result<T>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            work,
            reply,
            touches_plans,
        });
        self.queue
            .send(job)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(backend: Backend, mut jobs: mpsc::Receiver<Box<dyn Job>>, stats: Arc<Counters>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let writes = batch.len() as u64;
        if run_batch(&backend, batch, &stats.generation).await {
            stats.commits.fetch_add(1, Ordering::Relaxed);
            stats.writes.fetch_add(writes, Ordering::Relaxed);
        }
    }
}

/// Runs one batch; whether it committed.
async fn run_batch(backend: &Backend, batch: Vec<Box<dyn Job>>, generation: &AtomicU64) -> bool {
    let mut tx = match backend.write().await {
        Ok(tx) => tx,
        Err(error) => {
            for job in batch {
                job.refuse(error.clone());
            }
            return false;
        }
    };
    let touches_plans = batch.iter().any(|job| job.touches_plans());
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let mut broken = None;
    for job in jobs.by_ref() {
        if let Err(error) = tx.execute("savepoint write", vec![]).await {
            broken = Some((error, job));
            break;
        }
        let outcome = job.run(&mut tx).await;
        let end = if outcome.succeeded() {
            tx.execute("release savepoint write", vec![]).await
        } else {
            match tx.execute("rollback to savepoint write", vec![]).await {
                Ok(_) => tx.execute("release savepoint write", vec![]).await,
                Err(error) => Err(error),
            }
        };
        outcomes.push(outcome);
        if let Err(error) = end {
            // The transaction can no longer be trusted to hold only the good writes.
            let _ = tx.rollback().await;
            for outcome in outcomes {
                outcome.answer(Err(error.clone()));
            }
            for job in jobs {
                job.refuse(error.clone());
            }
            return false;
        }
    }
    if let Some((error, job)) = broken {
        let _ = tx.rollback().await;
        job.refuse(error.clone());
        for outcome in outcomes {
            outcome.answer(Err(error.clone()));
        }
        for job in jobs {
            job.refuse(error.clone());
        }
        return false;
    }
    let commit = tx.commit().await;
    let committed = commit.is_ok();
    if committed && touches_plans {
        generation.fetch_add(1, Ordering::AcqRel);
    }
    for outcome in outcomes {
        outcome.answer(commit.clone());
    }
    committed
}
