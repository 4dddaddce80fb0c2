//! A real moto server (the AWS emulator) for the S3 paths. `.ci/run` starts one and
//! names it in `TAGTRAIL_TEST_MOTO`; otherwise each test starts its own on a free
//! loopback port and stops it on drop. Without moto these tests fail with a clear
//! message instead of passing silently. Tests use their own buckets, so they can share
//! one server.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

use crate::support::free_port;

pub struct Moto {
    child: Option<Child>,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        if let Some(endpoint) = std::env::var("TAGTRAIL_TEST_MOTO")
            .ok()
            .filter(|e| !e.is_empty())
        {
            return Moto {
                child: None,
                endpoint,
            };
        }
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (moto is installed by .ci/run: pip install 'moto[server]')");
        let mut child = child;
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "moto server exited ({status}): is moto[server] installed? run bash .ci/run"
                );
            }
            assert!(Instant::now() < deadline, "moto server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        Moto {
            child: Some(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Environment for `tagtrail` so it reaches this server and nothing else.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/tagtrail-test".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/tagtrail-test".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    pub fn client(&self) -> Client {
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
            .build();
        Client::from_conf(conf)
    }

    /// Creates `bucket` and uploads every file under `root` with its relative path,
    /// prefixed by `prefix`.
    pub fn upload_tree(&self, bucket: &str, prefix: &str, root: &std::path::Path) -> Vec<String> {
        let files = crate::cloudtrail::walk(root);
        let client = self.client();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            // Already exists on the second call: fine.
            let _created = client.create_bucket().bucket(bucket).send().await;
            let mut keys = Vec::new();
            for f in files {
                let rel = f
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let key = format!("{prefix}{rel}");
                client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .body(ByteStream::from(std::fs::read(&f).unwrap()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("upload {key}: {e:?}"));
                keys.push(key);
            }
            keys
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _killed = child.kill();
            let _reaped = child.wait();
        }
    }
}
