//! The lake's object store as DataFusion sees it: reads go to the real store, listings
//! under the lake root name only the live files of the file list. So a query never sees
//! a part an interrupted ingest left behind, nor both a compaction's inputs and its
//! output, and an S3 lake is listed once per command, not once per table and query.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

#[derive(Debug)]
pub struct LiveStore {
    inner: Arc<dyn ObjectStore>,
    root: Path,
    live: BTreeMap<Path, ObjectMeta>,
}

impl LiveStore {
    /// `live`: the full paths (under `root`) of the live files and their metadata.
    pub fn new(inner: Arc<dyn ObjectStore>, root: Path, live: Vec<ObjectMeta>) -> LiveStore {
        LiveStore {
            inner,
            root,
            live: live.into_iter().map(|m| (m.location.clone(), m)).collect(),
        }
    }

    /// Whether a listing of `prefix` is about the lake (answered from the file list).
    fn in_lake(&self, prefix: Option<&Path>) -> bool {
        prefix
            .unwrap_or(&Path::default())
            .prefix_matches(&self.root)
    }

    fn under<'a>(&'a self, prefix: &'a Path) -> impl Iterator<Item = &'a ObjectMeta> + 'a {
        self.live
            .values()
            .filter(move |m| m.location.prefix_matches(prefix))
    }
}

impl std::fmt::Display for LiveStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "live files of {}", self.inner)
    }
}

#[async_trait]
impl ObjectStore for LiveStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        if !self.in_lake(prefix) {
            return self.inner.list(prefix);
        }
        let prefix = prefix.cloned().unwrap_or_default();
        let found: Vec<_> = self.under(&prefix).cloned().map(Ok).collect();
        futures::stream::iter(found).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        if !self.in_lake(prefix) {
            return self.inner.list_with_delimiter(prefix).await;
        }
        let prefix = prefix.cloned().unwrap_or_default();
        let mut result = ListResult {
            common_prefixes: Vec::new(),
            objects: Vec::new(),
        };
        for meta in self.under(&prefix) {
            let rest: Vec<_> = meta
                .location
                .prefix_match(&prefix)
                .expect("under the prefix")
                .collect();
            match rest.as_slice() {
                [_] => result.objects.push(meta.clone()),
                [first, ..] => {
                    let folder = prefix.clone().join(first.clone());
                    if result.common_prefixes.last() != Some(&folder) {
                        result.common_prefixes.push(folder);
                    }
                }
                [] => {}
            }
        }
        result.common_prefixes.dedup();
        Ok(result)
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn listings_in_the_lake_name_only_live_files() {
        let inner = Arc::new(InMemory::new());
        for key in [
            "lake/db_events/date=2026-11-17/part-a.parquet",
            "lake/db_events/date=2026-11-17/part-orphan.parquet",
            "lake/db_events/date=2026-11-18/part-b.parquet",
            "elsewhere/x.csv",
        ] {
            inner
                .put(&Path::from(key), PutPayload::from_static(b"x"))
                .await
                .unwrap();
        }
        let mut live = Vec::new();
        for key in [
            "lake/db_events/date=2026-11-17/part-a.parquet",
            "lake/db_events/date=2026-11-18/part-b.parquet",
        ] {
            live.push(inner.head(&Path::from(key)).await.unwrap());
        }
        let store = LiveStore::new(inner, Path::from("lake"), live);

        let names = |metas: Vec<ObjectMeta>| -> Vec<String> {
            metas.into_iter().map(|m| m.location.to_string()).collect()
        };
        let all: Vec<ObjectMeta> = store
            .list(Some(&Path::from("lake/db_events")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            names(all),
            [
                "lake/db_events/date=2026-11-17/part-a.parquet",
                "lake/db_events/date=2026-11-18/part-b.parquet"
            ]
        );
        let folders = store
            .list_with_delimiter(Some(&Path::from("lake/db_events")))
            .await
            .unwrap();
        assert_eq!(
            folders.common_prefixes,
            [
                Path::from("lake/db_events/date=2026-11-17"),
                Path::from("lake/db_events/date=2026-11-18")
            ]
        );
        let day = store
            .list_with_delimiter(Some(&Path::from("lake/db_events/date=2026-11-17")))
            .await
            .unwrap();
        assert_eq!(
            names(day.objects),
            ["lake/db_events/date=2026-11-17/part-a.parquet"]
        );
        let outside: Vec<ObjectMeta> = store
            .list(Some(&Path::from("elsewhere")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            names(outside),
            ["elsewhere/x.csv"],
            "outside the lake: the real listing"
        );
    }
}
