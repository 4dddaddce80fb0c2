//! CloudTrail delivers some events twice (same `eventID`), within and across files and
//! runs. Both copies carry the same `eventTime`, so they land in the same day partition:
//! the ids already in the lake are loaded one day at a time, when a batch first touches
//! that day, instead of the whole lake's ids at start-up.

use std::collections::HashSet;

use arrow::array::{Array, BooleanArray, StringArray, TimestampMicrosecondArray};
use arrow::compute::filter_record_batch;
use arrow::record_batch::RecordBatch;

use crate::lake::manifest::string_column;
use crate::lake::{CLOUDTRAIL_EVENTS, FEDERATED_SESSIONS, Lake, LakeError, read};
use crate::sources::timefmt::partition_date;

const MICROS_PER_DAY: i64 = 86_400_000_000;

pub struct KnownEvents {
    days: HashSet<i64>,
    ids: HashSet<String>,
}

impl KnownEvents {
    pub fn new() -> Self {
        KnownEvents {
            days: HashSet::new(),
            ids: HashSet::new(),
        }
    }

    /// Loads the ids of one day from both CloudTrail tables (an event lives in one).
    fn load_day(&mut self, lake: &Lake, day: i64) -> Result<(), LakeError> {
        let date = partition_date(day * MICROS_PER_DAY);
        for table in [&FEDERATED_SESSIONS, &CLOUDTRAIL_EVENTS] {
            for batch in read::partition_columns(lake, table, &date, &["event_id"])? {
                let col = string_column(&batch, 0)?;
                self.ids.extend(col.iter().flatten().map(str::to_string));
            }
        }
        self.days.insert(day);
        Ok(())
    }

    /// The rows of `batch` (column 0 `event_id`, column 1 `event_time`) whose event is
    /// new; counts the others in `duplicates`.
    pub fn keep_new(
        &mut self,
        lake: &Lake,
        batch: RecordBatch,
        duplicates: &mut u64,
    ) -> Result<RecordBatch, LakeError> {
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("event_id is the first, utf8 column");
        let times = batch
            .column(1)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .expect("event_time is the second column");
        let mut keep = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let day = times.value(i).div_euclid(MICROS_PER_DAY);
            if !self.days.contains(&day) {
                self.load_day(lake, day)?;
            }
            keep.push(self.ids.insert(ids.value(i).to_string()));
        }
        let keep = BooleanArray::from(keep);
        *duplicates += keep.false_count() as u64;
        Ok(filter_record_batch(&batch, &keep)?)
    }
}
