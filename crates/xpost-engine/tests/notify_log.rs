//! The log notifier: one `WARN` event per notice, with its fields.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use xpost_core::{FailureClass, Notice, Notifier};
use xpost_engine::notify::LogNotifier;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One event as the test saw it.
#[derive(Debug, Clone)]
struct Seen {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

/// A subscriber that keeps every event it is given.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    fn events(&self) -> Vec<Seen> {
        self.0
            .lock()
            .map(|events| events.clone())
            .unwrap_or_default()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        if let Ok(mut events) = self.0.lock() {
            events.push(Seen {
                level: *event.metadata().level(),
                target: event.metadata().target().to_owned(),
                fields,
            });
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn each_notice_is_one_warn_event_with_its_fields() -> TestResult {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let notice = Notice {
        at: "2026-11-30T20:00:00Z".parse()?,
        link: "default".parse()?,
        source_id: Some("17895695668004550".parse()?),
        class: FailureClass::MissingPermission,
        message: "missing permission tweet.write".into(),
        hint: Some("link the X account again and grant posting".into()),
    };

    LogNotifier::new().notify(&notice).await?;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.level, Level::WARN);
    assert_eq!(event.target, "xpost::notice");
    let field = |name: &str| event.fields.get(name).map(String::as_str);
    assert_eq!(field("link"), Some("default"));
    assert_eq!(field("post"), Some("17895695668004550"));
    assert_eq!(field("class"), Some("missing_permission"));
    assert_eq!(
        field("hint"),
        Some("link the X account again and grant posting")
    );
    assert_eq!(field("at"), Some("2026-11-30T20:00:00Z"));
    assert_eq!(field("message"), Some("missing permission tweet.write"));
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn absent_post_and_hint_are_left_out() -> TestResult {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let notice = Notice {
        at: "2026-11-30T20:00:00Z".parse()?,
        link: "default".parse()?,
        source_id: None,
        class: FailureClass::Reauth,
        message: "authorization lost".into(),
        hint: None,
    };

    LogNotifier::new().notify(&notice).await?;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(!events[0].fields.contains_key("post"));
    assert!(!events[0].fields.contains_key("hint"));
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_quoted_in_a_notice_are_masked_in_the_log() -> TestResult {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let notice = Notice {
        at: "2026-11-30T20:00:00Z".parse()?,
        link: "default".parse()?,
        source_id: None,
        class: FailureClass::Transient,
        message: "GET /me?access_token=IGQVJXsecretvalue failed".into(),
        hint: Some("check the header Authorization: Bearer AAAAsecretvalue".into()),
    };

    LogNotifier::new().notify(&notice).await?;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let shown = format!("{:?}", events[0].fields);
    assert!(!shown.contains("secretvalue"), "{shown}");
    assert!(shown.contains("access_token=[REDACTED]"), "{shown}");
    Ok(())
}
