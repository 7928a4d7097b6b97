//! `/proc/PID/cgroup`: which container (and Kubernetes pod) a process runs in, from the cgroup
//! path its runtime gave it. Recognised: docker (`/docker/ID`, `docker-ID.scope`), containerd
//! (`cri-containerd-ID.scope`, `/containerd/ID`), cri-o (`crio-ID.scope`), podman
//! (`libpod-ID.scope`), and the kubepods hierarchy (`kubepods…pod<UID>…`) for the pod UID.

use serde::{Deserialize, Serialize};

/// A process's container, as its cgroup path names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContainerId {
    /// `docker`, `containerd`, `cri-o`, `podman`, or `kubepods` when only the pod is known.
    pub runtime: String,
    /// The container id (64 hex digits as the runtime wrote it); empty when only the pod is known.
    pub id: String,
    /// The Kubernetes pod UID (dashes restored), under kubepods.
    #[serde(default)]
    pub pod_uid: Option<String>,
}

impl ContainerId {
    /// `docker 0123456789ab`, `cri-o 0123456789ab (pod 1b4…)`: the id cut to 12 digits as
    /// `docker ps` shows it.
    pub fn short(&self) -> String {
        let id: String = self.id.chars().take(12).collect();
        let mut s = if id.is_empty() { self.runtime.clone() } else { format!("{} {id}", self.runtime) };
        if let Some(p) = &self.pod_uid {
            s.push_str(&format!(" (pod {p})"));
        }
        s
    }
}

/// The container named by a cgroup file (any line: v1 lists one per hierarchy, v2 one `0::`).
pub fn container(data: &[u8]) -> Option<ContainerId> {
    let text = std::str::from_utf8(data).ok()?;
    let mut found: Option<ContainerId> = None;
    for line in text.lines() {
        // `hierarchy-ID:controllers:path`; the path may itself hold colons.
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        if let Some(c) = from_path(path) {
            // A line naming the container beats one naming only the pod.
            if found.as_ref().is_none_or(|f| f.id.is_empty() && !c.id.is_empty()) {
                found = Some(c);
            }
        }
    }
    found
}

fn from_path(path: &str) -> Option<ContainerId> {
    let mut pod_uid = None;
    let mut runtime_id: Option<(&str, String)> = None;
    let mut in_kubepods = false;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let part = part.strip_suffix(".scope").or_else(|| part.strip_suffix(".slice")).unwrap_or(part);
        if part.starts_with("kubepods") {
            in_kubepods = true;
            // systemd driver: kubepods-burstable-pod1b4e_….slice
            if let Some(i) = part.rfind("-pod") {
                pod_uid = Some(part[i + 4..].replace('_', "-"));
            }
            continue;
        }
        if in_kubepods && pod_uid.is_none() {
            // cgroupfs driver: /kubepods/burstable/pod1b4e-…/ID
            if let Some(uid) = part.strip_prefix("pod") {
                pod_uid = Some(uid.to_string());
                continue;
            }
        }
        for (prefix, runtime) in [
            ("docker-", "docker"),
            ("cri-containerd-", "containerd"),
            ("crio-", "cri-o"),
            ("libpod-", "podman"),
        ] {
            if let Some(id) = part.strip_prefix(prefix).filter(|id| is_id(id)) {
                runtime_id = Some((runtime, id.to_string()));
            }
        }
        if is_id(part) {
            // cgroupfs layouts name the id alone: /docker/ID, /kubepods/…/ID, /containerd/ID.
            let runtime = if path.contains("/docker/") {
                "docker"
            } else if in_kubepods {
                runtime_id.as_ref().map_or("kubepods", |r| r.0)
            } else if path.contains("/containerd/") {
                "containerd"
            } else {
                continue;
            };
            runtime_id = Some((runtime, part.to_string()));
        }
    }
    match (runtime_id, pod_uid) {
        (Some((runtime, id)), pod_uid) => Some(ContainerId { runtime: runtime.into(), id, pod_uid }),
        (None, Some(uid)) => {
            Some(ContainerId { runtime: "kubepods".into(), id: String::new(), pod_uid: Some(uid) })
        }
        (None, None) => None,
    }
}

/// A container id: 64 lower-case hex digits (docker, containerd, cri-o and podman all use them).
fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4f2d6a1c0b9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f";

    #[test]
    fn runtimes_and_pods() {
        let c = |s: String| container(s.as_bytes());
        let docker = c(format!("0::/system.slice/docker-{ID}.scope\n")).unwrap();
        assert_eq!(
            (docker.runtime.as_str(), docker.id.as_str(), docker.pod_uid.clone()),
            ("docker", ID, None)
        );
        assert_eq!(docker.short(), "docker 4f2d6a1c0b9e");
        assert_eq!(c(format!("12:memory:/docker/{ID}\n")).unwrap().runtime, "docker");
        let k8s = c(format!(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e6a2c_3d5f_4a7b_9c1d_2e3f4a5b6c7d.slice/cri-containerd-{ID}.scope\n"
        ))
        .unwrap();
        assert_eq!(k8s.runtime, "containerd");
        assert_eq!(k8s.pod_uid.as_deref(), Some("1b4e6a2c-3d5f-4a7b-9c1d-2e3f4a5b6c7d"));
        let cgroupfs =
            c(format!("4:pids:/kubepods/besteffort/pod1b4e6a2c-3d5f-4a7b-9c1d-2e3f4a5b6c7d/{ID}\n")).unwrap();
        assert_eq!((cgroupfs.runtime.as_str(), cgroupfs.pod_uid.is_some()), ("kubepods", true));
        assert_eq!(c(format!("0::/machine.slice/libpod-{ID}.scope/container\n")).unwrap().runtime, "podman");
        assert_eq!(c(format!("0::/crio-{ID}.scope\n")).unwrap().runtime, "cri-o");
        assert_eq!(c("0::/user.slice/user-0.slice/session-1.scope\n".into()), None);
        assert_eq!(container(b"\xff\xfe"), None);
        assert_eq!(container(b"garbage without colons"), None);
    }
}
