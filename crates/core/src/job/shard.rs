//! Scale-out on existing schedulers: which part of a batch's inputs one task of a
//! Kubernetes Indexed Job or a Slurm job array processes.
//!
//! A [`Shard`] `K/N` (0-based: `0 ≤ K < N`) takes the inputs whose *relative path* (the
//! path their output gets under the output folder, `/`-separated) hashes to `K` modulo
//! `N`: sha256 of the path, its first 8 bytes as a big-endian `u64`. Every task collects
//! the same inputs from the same arguments, so the `N` shards split them without
//! coordination, each input to exactly one shard, and the split does not depend on the
//! order or number of other files.

use std::fmt;

use sha2::{Digest, Sha256};

use super::files::InputFile;

/// One part of `count` (`index` 0-based, below `count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// Why a shard could not be read from a flag or from the environment. Messages name the
/// variables and values (numbers), never paths.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("shard must be K/N with 0 <= K < N (0-based), got {0:?}")]
    Syntax(String),
    #[error("{name} is not a whole number: {value:?}")]
    NotANumber { name: &'static str, value: String },
    #[error("{set} is set but {missing} is not: set both or neither")]
    Partial {
        set: &'static str,
        missing: &'static str,
    },
    #[error("shard index {index} is out of range for {count} shards ({source_vars})")]
    OutOfRange {
        index: i128,
        count: u64,
        source_vars: &'static str,
    },
    #[error("{0} must be at least 1")]
    ZeroCount(&'static str),
    #[error("SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN ({offset}) is not a multiple of SLURM_ARRAY_TASK_STEP ({step})")]
    Step { offset: i128, step: u64 },
}

impl Shard {
    /// A shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// `K/N`, 0-based (`0/4` … `3/4`).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError::Syntax(s.to_owned());
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let num = |x: &str| {
            let x = x.trim();
            if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            x.parse::<u64>().map_err(|_| bad())
        };
        Shard::new(num(k)?, num(n)?).ok_or_else(bad)
    }

    /// The shard a scheduler assigned through the environment, read with `var`:
    /// `JOB_COMPLETION_INDEX` + `JOB_COMPLETIONS` (Kubernetes Indexed Job; Kubernetes sets
    /// the index, the job spec sets the count), else `SLURM_ARRAY_TASK_ID` +
    /// `SLURM_ARRAY_TASK_COUNT` (Slurm job array; the index is
    /// `(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP`, each part
    /// only when set, so `--array=1-8` and `--array=0-14:2` give 0…7). `Ok(None)` when
    /// neither pair is set; an error when only half of a pair is set or a value is not a
    /// valid number or index. Empty values count as unset.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let int = |name: &'static str, v: String| {
            v.trim()
                .parse::<i128>()
                .map_err(|_| ShardError::NotANumber { name, value: v })
        };
        let pair = |(a, b): (&'static str, &'static str)| match (get(a), get(b)) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(ShardError::Partial { set: a, missing: b }),
            (None, Some(_)) => Err(ShardError::Partial { set: b, missing: a }),
            (Some(i), Some(n)) => Ok(Some((int(a, i)?, int(b, n)?))),
        };
        let count = |name: &'static str, n: i128| {
            u64::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or(ShardError::ZeroCount(name))
        };
        let checked = |index: i128, n: u64, source_vars| {
            u64::try_from(index)
                .ok()
                .and_then(|i| Shard::new(i, n))
                .ok_or(ShardError::OutOfRange {
                    index,
                    count: n,
                    source_vars,
                })
        };
        if let Some((i, n)) = pair(("JOB_COMPLETION_INDEX", "JOB_COMPLETIONS"))? {
            let n = count("JOB_COMPLETIONS", n)?;
            return checked(i, n, "JOB_COMPLETION_INDEX/JOB_COMPLETIONS").map(Some);
        }
        if let Some((id, n)) = pair(("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"))? {
            let n = count("SLURM_ARRAY_TASK_COUNT", n)?;
            let min = match get("SLURM_ARRAY_TASK_MIN") {
                Some(m) => int("SLURM_ARRAY_TASK_MIN", m)?,
                None => 0,
            };
            let step = match get("SLURM_ARRAY_TASK_STEP") {
                Some(s) => count("SLURM_ARRAY_TASK_STEP", int("SLURM_ARRAY_TASK_STEP", s)?)?,
                None => 1,
            };
            let offset = id - min;
            if offset % i128::from(step) != 0 {
                return Err(ShardError::Step { offset, step });
            }
            let index = offset / i128::from(step);
            return checked(index, n, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT").map(Some);
        }
        Ok(None)
    }

    /// The shard of an output-relative path (`/`-separated components, so the split is
    /// the same on every platform).
    pub fn bucket(relative: &std::path::Path, count: u64) -> u64 {
        let key: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let digest = Sha256::digest(key.join("/").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % count.max(1)
    }

    /// Whether this shard processes `input`.
    pub fn selects(&self, input: &InputFile) -> bool {
        Shard::bucket(&input.relative, self.count) == self.index
    }

    /// The inputs this shard processes, in their order.
    pub fn select(&self, inputs: Vec<InputFile>) -> Vec<InputFile> {
        inputs.into_iter().filter(|i| self.selects(i)).collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        Shard::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn input(rel: &str) -> InputFile {
        InputFile {
            path: PathBuf::from("/in").join(rel),
            relative: PathBuf::from(rel),
        }
    }

    #[test]
    fn parse_accepts_zero_based_k_of_n() {
        assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse(" 3/4 "), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(Shard::parse("0/1"), Ok(Shard { index: 0, count: 1 }));
        for bad in [
            "4/4", "1/0", "0/0", "-1/4", "1", "a/4", "1/b", "1/4/2", "", "/", "+1/4",
        ] {
            assert!(
                matches!(Shard::parse(bad), Err(ShardError::Syntax(_))),
                "{bad}"
            );
        }
        assert_eq!("2/5".parse::<Shard>().unwrap().to_string(), "2/5");
    }

    #[test]
    fn env_kubernetes_indexed_job() {
        let e = env(&[("JOB_COMPLETION_INDEX", "1"), ("JOB_COMPLETIONS", "4")]);
        assert_eq!(Shard::from_env(&e), Ok(Shard::new(1, 4)));
        assert_eq!(Shard::from_env(&env(&[])), Ok(None));
        let e = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::Partial {
                missing: "JOB_COMPLETIONS",
                ..
            })
        ));
        let e = env(&[("JOB_COMPLETIONS", "4")]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::Partial { .. })
        ));
        let e = env(&[("JOB_COMPLETION_INDEX", "4"), ("JOB_COMPLETIONS", "4")]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::OutOfRange { index: 4, .. })
        ));
        let e = env(&[("JOB_COMPLETION_INDEX", "x"), ("JOB_COMPLETIONS", "4")]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::NotANumber { .. })
        ));
        let e = env(&[("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "0")]);
        assert!(matches!(Shard::from_env(&e), Err(ShardError::ZeroCount(_))));
        // Kubernetes wins over Slurm when both are set
        let e = env(&[
            ("JOB_COMPLETION_INDEX", "2"),
            ("JOB_COMPLETIONS", "3"),
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]);
        assert_eq!(Shard::from_env(&e), Ok(Shard::new(2, 3)));
    }

    #[test]
    fn env_slurm_array_with_min_and_step() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(Shard::from_env(&e), Ok(Shard::new(3, 4)));
        // --array=1-4
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert_eq!(Shard::from_env(&e), Ok(Shard::new(3, 4)));
        // without MIN, id 4 of 4 is out of range
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::OutOfRange { .. })
        ));
        // --array=10-16:2 → ids 10, 12, 14, 16
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "14"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert_eq!(Shard::from_env(&e), Ok(Shard::new(2, 4)));
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "13"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert!(matches!(Shard::from_env(&e), Err(ShardError::Step { .. })));
        // id below MIN
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::OutOfRange { index: -1, .. })
        ));
        let e = env(&[("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::Partial {
                missing: "SLURM_ARRAY_TASK_ID",
                ..
            })
        ));
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "one"),
        ]);
        assert!(matches!(
            Shard::from_env(&e),
            Err(ShardError::NotANumber { .. })
        ));
    }

    #[test]
    fn every_input_goes_to_exactly_one_shard() {
        let inputs: Vec<InputFile> = (0..200)
            .map(|i| input(&format!("ward {}/patient-{i}.pdf", i % 7)))
            .collect();
        for n in [1u64, 2, 3, 4, 7] {
            let mut seen: BTreeMap<PathBuf, u64> = BTreeMap::new();
            for k in 0..n {
                let s = Shard::new(k, n).unwrap();
                let taken = s.select(inputs.clone());
                if n > 1 {
                    // 200 inputs: no shard of at most 7 is empty
                    assert!(!taken.is_empty(), "{s}");
                }
                for t in taken {
                    assert!(seen.insert(t.relative, k).is_none());
                }
            }
            assert_eq!(seen.len(), inputs.len());
        }
    }

    #[test]
    fn selection_depends_on_the_relative_path_only() {
        let a = input("a/b/c.pdf");
        let moved = InputFile {
            path: PathBuf::from("/elsewhere/a/b/c.pdf"),
            relative: PathBuf::from("a/b/c.pdf"),
        };
        for n in 1..10 {
            assert_eq!(
                Shard::bucket(&a.relative, n),
                Shard::bucket(&moved.relative, n)
            );
        }
        // pinned: sha256("a/b/c.pdf")'s first 8 bytes, big-endian, mod 4
        let digest = Sha256::digest(b"a/b/c.pdf");
        let want = u64::from_be_bytes(digest[..8].try_into().unwrap()) % 4;
        assert_eq!(Shard::bucket(&a.relative, 4), want);
        assert!(Shard::new(want, 4).unwrap().selects(&a));
    }
}
