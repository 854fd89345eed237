//! Two-person approval from scripts, over real HTTP against the reference
//! server (clock pinned inside the decrease window): `change` in a
//! `second_person` tenant prints the request (exit 0) and with `--wait`
//! follows the decision and the operation (exit 0 / 7); `approvals`,
//! `approve` (the same warnings rule and confirmation as `change`, own
//! requests refused), `reject` (a reason of 1 to 500 characters),
//! `cancel-request`, `history`; the requester's and the approver's audit
//! logs tell one story by the request id.

mod cli_support;

use std::time::Duration;

use cli_support::{
    ANNA, Env, INSIDE, Out, RITA, approval_tenants_json, at, code_now, start_tenants,
};
use licencias::server::{self, ServerConfig, TenantsSource};
use serde_json::json;

const QUICK: Duration = Duration::from_secs(1);

/// The requester (rita) and the approver (anna), each in a home of their
/// own (their own secret store and audit log), on one server.
async fn two_people() -> (Env, Env) {
    let rita = start_tenants(approval_tenants_json(), INSIDE, QUICK).await;
    let anna = Env {
        server: None,
        url: rita.url.clone(),
        home: new_home(),
        clock: rita.clock.clone(),
        store: rita.store.clone(),
    };
    login(&rita, "rita", RITA).await;
    login(&anna, "anna", ANNA).await;
    (rita, anna)
}

fn new_home() -> std::path::PathBuf {
    let home = std::env::temp_dir().join(format!("licencias-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    home
}

/// `licencias login` for a fixture user (password `NAME-pw`).
async fn login(env: &Env, name: &str, secret: &str) {
    let code = code_now(secret);
    let out = env
        .run_with(
            &["login", "--user", name, "--password-stdin", "--code", &code],
            Some(&format!("{name}-pw\n")),
        )
        .await;
    assert_eq!(out.code, 0, "{name}: {out:?}");
}

/// Run a command in the background (a `change --wait` awaiting a decision).
fn spawn(env: &Env, args: &[&str]) -> tokio::task::JoinHandle<Out> {
    let mut cmd = env.command(args);
    tokio::task::spawn_blocking(move || {
        let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
}

/// The id of the one request awaiting approval on `sub`, as the approver
/// lists it (read again until the background request has been sent).
async fn awaiting(approver: &Env, sub: &str) -> String {
    for _ in 0..200 {
        let out = approver.run(&["approvals", "--json"]).await;
        assert_eq!(out.code, 0, "{out:?}");
        if let Some(cr) = out
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|cr| cr["subscription_id"] == sub)
        {
            return cr["id"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no request for {sub} appeared");
}

fn statuses(env: &Env) -> Vec<String> {
    env.audit_lines()
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waits_for_a_second_person_who_approves_it_after_the_same_review() {
    let (mut rita, anna) = two_people().await;

    // the request: no --approved needed, a second person approves
    let out = rita
        .run(&["change", "ini-a", "--total", "5", "--yes", "--json"])
        .await;
    assert_eq!(out.code, 5, "the warnings rule still holds: {out:?}");
    assert_eq!(out.error_code(), "warnings_not_accepted");
    let out = rita
        .run(&[
            "change",
            "ini-a",
            "--total",
            "5",
            "--accept",
            "below-assigned,large-reduction",
            "--approval-ref",
            "TCK-7",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "awaiting_approval");
    assert_eq!(
        (doc["from"].clone(), doc["to"].clone()),
        (json!(10), json!(5))
    );
    assert!(doc["operation"].is_null(), "{doc}");
    let cr = &doc["change_request"];
    assert_eq!(cr["status"], "awaiting_approval");
    assert_eq!(cr["approval_reference"], "TCK-7");
    assert_eq!(cr["requested_by"]["username"], "rita");
    let id = cr["id"].as_str().unwrap().to_string();
    // nothing applied yet; a second request for it is refused
    assert_eq!(
        rita.run(&["show", "ini-a", "--json"]).await.json()["quantity"],
        10
    );
    let out = rita
        .run(&[
            "change",
            "ini-a",
            "--total",
            "9",
            "--accept",
            "below-assigned",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.error_code(), "approval_pending");
    assert_eq!(
        out.json()["error"]["details"]["change_request_id"],
        id.as_str()
    );

    // the requester cannot approve or reject their own request
    let out = rita.run(&["approve", &id, "--yes", "--json"]).await;
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.error_code(), "self_approval_forbidden");
    let out = rita.run(&["approvals"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&format!("{id} *")), "{out:?}");
    assert!(out.stderr.contains("cancel-request"), "{out:?}");

    // the approver sees it, and approves only after the review's warnings
    // are accepted by name and the approval confirmed
    let out = anna.run(&["approvals"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&id) && out.stdout.contains("10 -> 5"),
        "{out:?}"
    );
    assert!(out.stdout.contains("rita (display)"), "{out:?}");
    let out = anna.run(&["approve", &id, "--yes", "--json"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(
        out.json()["error"]["details"]["missing"],
        json!(["large-reduction", "below-assigned"])
    );
    assert!(
        out.stderr.contains("TCK-7"),
        "the request is shown: {out:?}"
    );
    let out = anna
        .run(&[
            "approve",
            &id,
            "--accept",
            "below-assigned,large-reduction",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 5, "no terminal, no --yes: {out:?}");
    assert_eq!(out.error_code(), "confirmation_required");
    let out = anna
        .run(&[
            "approve",
            &id,
            "--accept",
            "below-assigned,large-reduction",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "accepted");
    assert_eq!(doc["change_request"]["status"], "approved");
    assert_eq!(doc["change_request"]["decided_by"]["username"], "anna");
    let op = doc["operation"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        doc["warnings"],
        json!(["large-reduction", "below-assigned"])
    );
    // decided once: a second approval is a conflict
    let out = anna
        .run(&[
            "approve",
            &id,
            "--accept",
            "below-assigned,large-reduction",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(out.error_code(), "request_not_pending");

    // one story in two logs, by the request id
    assert_eq!(
        statuses(&rita),
        ["submitted", "requested", "submitted", "refused"]
    );
    let requested = &rita.audit_lines()[1];
    assert_eq!(requested["change_request_id"], id.as_str());
    assert_eq!(requested["via"], "cli");
    let approved = &anna.audit_lines()[0];
    assert_eq!(statuses(&anna), ["approved"]);
    assert_eq!(approved["change_request_id"], id.as_str());
    assert_eq!(approved["operation_id"], op.as_str());
    assert_eq!(
        (approved["from"].clone(), approved["to"].clone()),
        (json!(10), json!(5))
    );
    assert_eq!(approved["user"], "anna");

    // the history says who did what, newest first
    let out = anna.run(&["history", "ini-a", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let events = out.json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["change_approved", "change_requested"],
        "{kinds:?}"
    );
    assert!(kinds.contains(&"operation_accepted"), "{kinds:?}");
    let out = rita.run(&["history", "ini-a"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("change approved") && out.stdout.contains("anna (display)"),
        "{out:?}"
    );
    assert!(out.stdout.contains("TCK-7"), "{out:?}");
    rita.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_wait_follows_the_decision_then_the_operation() {
    let (mut rita, anna) = two_people().await;
    let args = [
        "change",
        "ini-b",
        "--total",
        "24",
        "--yes",
        "--wait",
        "--wait-timeout",
        "120",
        "--json",
    ];
    let waiting = spawn(&rita, &args);
    let id = awaiting(&anna, "ini-b").await;
    let out = anna.run(&["approve", &id, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&id), "{out:?}");
    let out = waiting.await.unwrap();
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "succeeded", "{doc}");
    assert_eq!(doc["operation"]["status"], "succeeded");
    assert_eq!(doc["change_request"]["id"], id.as_str());
    assert_eq!(
        rita.run(&["show", "ini-b", "--json"]).await.json()["quantity"],
        24
    );
    assert_eq!(statuses(&rita), ["submitted", "requested", "succeeded"]);
    assert_eq!(rita.audit_lines()[2]["change_request_id"], id.as_str());

    // rejected while the requester waits: exit 7 with the reason
    let args = [
        "change",
        "ini-c",
        "--total",
        "33",
        "--yes",
        "--wait",
        "--wait-timeout",
        "120",
    ];
    let waiting = spawn(&rita, &args);
    let id = awaiting(&anna, "ini-c").await;
    let out = anna.run(&["reject", &id, "--reason", "  ", "--json"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.error_code(), "invalid_reason");
    let long = "x".repeat(501);
    let out = anna.run(&["reject", &id, "--reason", &long]).await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = anna
        .run(&[
            "reject",
            &id,
            "--reason",
            "no budget this quarter",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["change_request"]["status"], "rejected");
    let out = waiting.await.unwrap();
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stdout.contains("no budget this quarter"), "{out:?}");
    assert_eq!(
        rita.run(&["show", "ini-c", "--json"]).await.json()["quantity"],
        30
    );
    let rejected = anna.audit_lines().pop().unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["detail"], "no budget this quarter");
    assert_eq!(rejected["change_request_id"], id.as_str());

    // the requester withdraws a request; nobody can approve it then
    let out = rita
        .run(&["change", "ini-c", "--total", "31", "--yes", "--json"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let id = out.json()["change_request"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = anna.run(&["cancel-request", &id, "--json"]).await;
    assert_eq!(out.code, 4, "only the requester cancels: {out:?}");
    let out = rita.run(&["cancel-request", &id, "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["result"], "cancelled");
    let out = anna.run(&["approve", &id, "--yes", "--json"]).await;
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(out.error_code(), "request_not_pending");
    let out = anna.run(&["approvals", "--json"]).await;
    assert_eq!(out.json(), json!([]));
    assert_eq!(rita.audit_lines().pop().unwrap()["status"], "cancelled");

    // at renewal: approved is scheduled, and the waiting requester says so
    let args = [
        "change", "ini-a", "--total", "12", "--at", "renewal", "--yes", "--wait", "--json",
    ];
    let waiting = spawn(&rita, &args);
    let id = awaiting(&anna, "ini-a").await;
    let out = anna.run(&["approve", &id, "--yes", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "scheduled");
    assert_eq!(doc["scheduled_change"]["quantity"], 12);
    assert!(doc["operation"].is_null(), "{doc}");
    let out = waiting.await.unwrap();
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "scheduled");
    assert_eq!(doc["scheduled_change"]["quantity"], 12);
    assert_eq!(doc["change_request"]["status"], "approved");
    let sub = rita.run(&["show", "ini-a", "--json"]).await.json();
    assert_eq!(sub["scheduled_change"]["quantity"], 12);
    rita.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attest_tenant_changes_directly_with_the_first_json_shape() {
    let mut env = start_tenants(approval_tenants_json(), INSIDE, QUICK).await;
    let out = env.login_bob().await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = env
        .run(&["change", "acme-exo", "--total", "4", "--yes", "--json"])
        .await;
    assert_eq!(out.code, 5, "attest still needs --approved: {out:?}");
    assert_eq!(out.error_code(), "approval_required");
    let out = env
        .run(&[
            "change",
            "acme-exo",
            "--total",
            "4",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "accepted");
    assert!(doc.get("change_request").is_none(), "{doc}");
    let out = env.run(&["approvals", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json(), json!([]));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecided_request_times_out_the_wait_then_expires() {
    let server = server::spawn(ServerConfig {
        tenants: TenantsSource::Json(approval_tenants_json()),
        clock: Some(at(INSIDE)),
        provisioning_delay: QUICK,
        approval_ttl: Duration::from_secs(2),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let mut rita = Env {
        url: server.base_url(),
        server: Some(server),
        home: new_home(),
        clock: INSIDE.to_string(),
        store: "file".into(),
    };
    login(&rita, "rita", RITA).await;

    // nobody decides within --wait-timeout: exit 8, still awaiting
    let out = rita
        .run(&[
            "change",
            "ini-b",
            "--total",
            "22",
            "--yes",
            "--wait",
            "--wait-timeout",
            "0",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 8, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "awaiting_approval");
    assert_eq!(doc["change_request"]["status"], "awaiting_approval");

    // nobody decides within the portal's --approval-ttl: expired, exit 7
    let out = rita
        .run(&[
            "change",
            "ini-c",
            "--total",
            "33",
            "--yes",
            "--wait",
            "--wait-timeout",
            "60",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 7, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "expired");
    assert_eq!(doc["change_request"]["status"], "expired");
    assert_eq!(
        rita.run(&["show", "ini-c", "--json"]).await.json()["quantity"],
        30
    );
    rita.stop().await;
}
