//! The netstat flavours: which build of `netstat -nlp` the captured host ran, and the facts each
//! one differs in (layout, program names, tables, read size). The rules are those of
//! `reference/netstat-flavours/README.md`; `docs/netstat-compat.md` documents them.

use serde::{Deserialize, Serialize};

/// A build of netstat whose `-nlp` output procsnap reproduces byte for byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Flavour {
    /// net-tools 2.10 (Debian 12+, Ubuntu 24.04+, and the default elsewhere).
    #[default]
    #[serde(rename = "net-tools-2.10")]
    NetTools210,
    /// CentOS/RHEL 6: net-tools 1.60 with Red Hat's patches.
    #[serde(rename = "centos6")]
    Centos6,
    /// CentOS/RHEL 7.
    #[serde(rename = "centos7")]
    Centos7,
    /// RHEL 8 and rebuilds.
    #[serde(rename = "rhel8")]
    Rhel8,
    /// RHEL 9 and rebuilds.
    #[serde(rename = "rhel9")]
    Rhel9,
    /// busybox 1.36 (Alpine's default).
    #[serde(rename = "busybox")]
    Busybox,
}

/// Which flavour a report uses, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetstatChoice {
    pub flavour: Flavour,
    /// `option` (asked for), `os-release` (from the snapshot's `etc/os-release`), `redhat-release`
    /// (from `etc/redhat-release`, where os-release is missing), or `default`.
    pub source: String,
    /// One sentence: why this flavour.
    pub reason: String,
}

impl Flavour {
    pub const ALL: [Flavour; 6] = [
        Flavour::NetTools210,
        Flavour::Centos6,
        Flavour::Centos7,
        Flavour::Rhel8,
        Flavour::Rhel9,
        Flavour::Busybox,
    ];

    /// The name `--netstat` takes.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::NetTools210 => "net-tools-2.10",
            Flavour::Centos6 => "centos6",
            Flavour::Centos7 => "centos7",
            Flavour::Rhel8 => "rhel8",
            Flavour::Rhel9 => "rhel9",
            Flavour::Busybox => "busybox",
        }
    }

    pub fn from_name(name: &str) -> Option<Flavour> {
        Flavour::ALL.into_iter().find(|f| f.name() == name)
    }

    /// `net-tools-2.10, centos6, …`: for a usage error.
    pub fn names() -> String {
        Flavour::ALL.map(Flavour::name).join(", ")
    }

    /// What it stands for, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Flavour::NetTools210 => "net-tools 2.10",
            Flavour::Centos6 => "CentOS/RHEL 6's net-tools 1.60",
            Flavour::Centos7 => "CentOS/RHEL 7's net-tools",
            Flavour::Rhel8 => "RHEL 8's net-tools",
            Flavour::Rhel9 => "RHEL 9's net-tools",
            Flavour::Busybox => "busybox 1.36's netstat applet",
        }
    }

    /// Bytes per `read(2)` on a /proc file: stdio with /proc's st_blksize (1024) for 1.60 and
    /// musl's 1 KiB buffer for busybox; the 2.x builds setvbuf a page.
    pub fn read_size(self, page_size: u32) -> u32 {
        match self {
            Flavour::Centos6 | Flavour::Busybox => 1024,
            _ => page_size.max(512),
        }
    }

    /// Whether it opens /proc/net/udplite and udplite6 (1.60 and busybox know no udplite).
    pub fn reads_udplite(self) -> bool {
        !matches!(self, Flavour::Centos6 | Flavour::Busybox)
    }

    /// Red Hat's patch hiding a TCP row equal (addresses and ports) to an earlier printed one.
    pub fn hides_duplicate_tcp(self) -> bool {
        matches!(self, Flavour::Centos6 | Flavour::Centos7 | Flavour::Rhel8 | Flavour::Rhel9)
    }

    /// Whether it reads a SELinux context per socket holder when SELinux is enabled (busybox is
    /// built without SELinux on Alpine).
    pub fn reads_selinux(self) -> bool {
        !matches!(self, Flavour::Busybox)
    }

    /// The program name this flavour derives from a process's cmdline (before `PID/` is added
    /// and the field cut to 19 bytes).
    pub fn program_name(self, cmdline: &[u8]) -> &[u8] {
        // net-tools reads at most 511 bytes of cmdline; argv[0] ends at the first NUL.
        let buf = &cmdline[..cmdline.len().min(511)];
        let argv0 = match buf.iter().position(|&b| b == 0) {
            Some(n) => &buf[..n],
            None => buf,
        };
        let after_slash = |s: &'_ [u8]| -> usize { s.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1) };
        match self {
            Flavour::Busybox => &argv0[after_slash(argv0)..],
            Flavour::Centos6 => {
                let name = if argv0.first() == Some(&b'/') { &argv0[after_slash(argv0)..] } else { argv0 };
                match name.iter().rposition(|&b| b == b':') {
                    Some(i) => &name[..i],
                    None => name,
                }
            }
            _ => {
                if argv0.first() == Some(&b'/') {
                    &argv0[after_slash(argv0)..]
                } else {
                    argv0
                }
            }
        }
    }

    /// The flavour the captured host's release files imply, and why: `/etc/os-release` when the
    /// snapshot has it, else `/etc/redhat-release` (CentOS 6 and RHEL 6 ship only that one).
    pub fn from_release_files(os_release: Option<&[u8]>, redhat_release: Option<&[u8]>) -> NetstatChoice {
        match (os_release, redhat_release) {
            (None, Some(line)) => Flavour::from_redhat_release(line),
            (os_release, _) => Flavour::from_os_release(os_release),
        }
    }

    /// The flavour `/etc/os-release` implies, and why.
    pub fn from_os_release(data: Option<&[u8]>) -> NetstatChoice {
        let Some(data) = data else {
            return default_choice("the snapshot has no etc/os-release, so net-tools 2.10 is assumed".into());
        };
        let text = String::from_utf8_lossy(data);
        let field = |key: &str| {
            text.lines().find_map(|l| {
                let v = l.trim().strip_prefix(key)?.strip_prefix('=')?;
                Some(v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
            })
        };
        let id = field("ID").unwrap_or_default();
        let version = field("VERSION_ID").unwrap_or_default();
        let major = version.split('.').next().unwrap_or("");
        let rhel_like = matches!(id.as_str(), "rhel" | "centos" | "rocky" | "almalinux" | "ol");
        let flavour = match id.as_str() {
            "alpine" => Some(Flavour::Busybox),
            _ if rhel_like => Flavour::for_rhel_major(major),
            _ => None,
        };
        match flavour {
            Some(f) => NetstatChoice {
                flavour: f,
                source: "os-release".into(),
                reason: format!(
                    "etc/os-release says ID={id} VERSION_ID={version}: {} ({})",
                    f.describe(),
                    f.name()
                ),
            },
            None => default_choice(format!(
                "etc/os-release says ID={id} VERSION_ID={version}, which maps to no other flavour: net-tools 2.10"
            )),
        }
    }

    /// The flavour a `/etc/redhat-release` line implies ("CentOS release 6.10 (Final)",
    /// "Red Hat Enterprise Linux Server release 6.9 (Santiago)", "CentOS Linux release
    /// 7.9.2009 (Core)"): the distribution names the family, the number after "release" the
    /// major version.
    pub fn from_redhat_release(data: &[u8]) -> NetstatChoice {
        let text = String::from_utf8_lossy(data);
        let line = text.lines().next().unwrap_or("").trim();
        let lower = line.to_ascii_lowercase();
        let family = ["centos", "red hat", "rocky", "almalinux", "oracle linux", "scientific linux"]
            .iter()
            .any(|name| lower.starts_with(name));
        let major = lower
            .split_once(" release ")
            .map(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""))
            .unwrap_or("");
        match Flavour::for_rhel_major(major).filter(|_| family) {
            Some(f) => NetstatChoice {
                flavour: f,
                source: "redhat-release".into(),
                reason: format!(
                    "the snapshot has no etc/os-release; etc/redhat-release says {}: {} ({})",
                    crate::format::quoted(line),
                    f.describe(),
                    f.name()
                ),
            },
            None => default_choice(format!(
                "the snapshot has no etc/os-release; etc/redhat-release says {}, which maps to no other flavour: net-tools 2.10",
                crate::format::quoted(line)
            )),
        }
    }

    fn for_rhel_major(major: &str) -> Option<Flavour> {
        match major {
            "6" => Some(Flavour::Centos6),
            "7" => Some(Flavour::Centos7),
            "8" => Some(Flavour::Rhel8),
            "9" => Some(Flavour::Rhel9),
            _ => None,
        }
    }

    /// The choice when the caller asked for this flavour.
    pub fn chosen(self) -> NetstatChoice {
        NetstatChoice {
            flavour: self,
            source: "option".into(),
            reason: format!("asked for {} ({})", self.describe(), self.name()),
        }
    }
}

fn default_choice(reason: String) -> NetstatChoice {
    NetstatChoice { flavour: Flavour::NetTools210, source: "default".into(), reason }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Flavour {
    type Err = String;
    fn from_str(s: &str) -> Result<Flavour, String> {
        Flavour::from_name(s).ok_or_else(|| {
            format!(
                "unknown netstat flavour {}; valid flavours: {}",
                crate::format::quoted(s),
                Flavour::names()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Flavour::ALL {
            assert_eq!(Flavour::from_name(f.name()), Some(f));
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.name()));
        }
        assert!("centos5".parse::<Flavour>().unwrap_err().contains("centos6, centos7"));
    }

    #[test]
    fn os_release_mapping() {
        let pick = |s: &str| Flavour::from_os_release(Some(s.as_bytes())).flavour;
        assert_eq!(pick("NAME=\"CentOS\"\nID=\"centos\"\nVERSION_ID=\"6.10\"\n"), Flavour::Centos6);
        assert_eq!(pick("ID=\"centos\"\nVERSION_ID=\"7\"\n"), Flavour::Centos7);
        assert_eq!(pick("ID=\"rocky\"\nVERSION_ID=\"8.9\"\n"), Flavour::Rhel8);
        assert_eq!(pick("ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n"), Flavour::Rhel9);
        assert_eq!(pick("ID=\"ol\"\nVERSION_ID=\"9.3\"\n"), Flavour::Rhel9);
        assert_eq!(pick("ID=alpine\nVERSION_ID=3.19.1\n"), Flavour::Busybox);
        assert_eq!(pick("ID=debian\nVERSION_ID=\"12\"\n"), Flavour::NetTools210);
        assert_eq!(pick("ID=fedora\nVERSION_ID=39\n"), Flavour::NetTools210);
        // ID_LIKE must not be read as ID.
        assert_eq!(pick("ID_LIKE=\"rhel fedora\"\nID=\"amzn\"\nVERSION_ID=\"2\"\n"), Flavour::NetTools210);
        let rh = |s: &str| Flavour::from_release_files(None, Some(s.as_bytes()));
        assert_eq!(rh("CentOS release 6.10 (Final)\n").flavour, Flavour::Centos6);
        assert_eq!(rh("CentOS release 6.10 (Final)\n").source, "redhat-release");
        assert_eq!(rh("Red Hat Enterprise Linux Server release 6.9 (Santiago)\n").flavour, Flavour::Centos6);
        assert_eq!(rh("CentOS Linux release 7.9.2009 (Core)\n").flavour, Flavour::Centos7);
        assert_eq!(rh("Rocky Linux release 8.9 (Green Obsidian)\n").flavour, Flavour::Rhel8);
        assert_eq!(rh("Fedora release 39 (Thirty Nine)\n").flavour, Flavour::NetTools210);
        assert_eq!(rh("CentOS release 5.11 (Final)\n").flavour, Flavour::NetTools210);
        assert_eq!(rh("").flavour, Flavour::NetTools210);
        // os-release wins where both exist (CentOS 7 ships both).
        let both = Flavour::from_release_files(
            Some(b"ID=\"centos\"\nVERSION_ID=\"7\"\n"),
            Some(b"CentOS release 6.10 (Final)"),
        );
        assert_eq!((both.flavour, both.source.as_str()), (Flavour::Centos7, "os-release"));
        let none = Flavour::from_os_release(None);
        assert_eq!((none.flavour, none.source.as_str()), (Flavour::NetTools210, "default"));
    }

    #[test]
    fn program_names() {
        let c = |f: Flavour, s: &[u8]| String::from_utf8_lossy(f.program_name(s)).into_owned();
        assert_eq!(c(Flavour::NetTools210, b"sshd: root@pts/0\0"), "sshd: root@pts/0");
        assert_eq!(c(Flavour::Centos6, b"sshd: root@pts/0\0"), "sshd");
        assert_eq!(c(Flavour::Busybox, b"sshd: root@pts/0\0"), "0");
        assert_eq!(c(Flavour::Centos6, b"/usr/sbin/nginx: worker\0"), "nginx");
        assert_eq!(c(Flavour::Centos6, b"./bin/app\0"), "./bin/app");
        assert_eq!(c(Flavour::Busybox, b"./bin/app\0"), "app");
        assert_eq!(c(Flavour::Centos7, b"/usr/bin/python3\0x.py\0"), "python3");
    }
}
