//! The learned NER detector: the MiniLM encoder (its top layers fine-tuned in recent model
//! versions, which carry those layers' weights) + per-token casing features → a linear BIO
//! head. Inference is batched: texts are cut into windows, the windows are packed side by
//! side into rows of equal length (each attending only to itself, positions from 0:
//! [`pack_rows`], [`bert::Bert::forward_packed`]) so little of a batch is padding, and
//! token labels are decoded into character spans with per-category thresholds from the
//! model's registry entry.

pub mod bert;
pub mod kernels;

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

use crate::detector::{BatchDetector, TextUnit};
use crate::error::{Error, Result};
use crate::types::SpanRef;
use crate::types::{Category, Span};

/// Categories the model tags (BIO over each).
pub const NER_CATEGORIES: [Category; 10] = [
    Category::Name,
    Category::Date,
    Category::Age,
    Category::Id,
    Category::Phone,
    Category::Email,
    Category::Address,
    Category::Location,
    Category::Organization,
    Category::Zip,
];
pub const N_LABELS: usize = 1 + 2 * NER_CATEGORIES.len();
/// Per-token casing/shape features appended to the encoder output.
pub const N_CASE: usize = 8;
/// Longest window handed to the encoder, in characters: at most one word piece per
/// character, so a window always fits the encoder's 512 positions.
const WINDOW_CHARS: usize = 400;
const BATCH: usize = 32;
/// Row lengths (word pieces) tried when packing windows; the longest window is tried too,
/// and the one with the fewest positions (padding included) is taken.
const PACK_ROWS: [usize; 3] = [128, 192, 256];
/// Word pieces in one batch of packed rows (bounds the attention scores' memory).
const BATCH_TOKENS: usize = 4096;

/// How many packed rows of length `t` one batch takes.
fn rows_per_batch(t: usize) -> usize {
    (BATCH_TOKENS / t.max(1)).max(1)
}
/// Context on each side of a span embedded for the semantic search, in characters.
const EMBED_CONTEXT: usize = 120;

pub fn label_name(l: usize) -> String {
    if l == 0 {
        return "O".into();
    }
    let c = NER_CATEGORIES[(l - 1) / 2].as_str();
    format!("{}-{c}", if (l - 1).is_multiple_of(2) { "B" } else { "I" })
}

fn ml(e: candle_core::Error) -> Error {
    Error::Detect(format!("model: {e}"))
}

/// Casing and shape of the text a token covers.
pub fn case_features(text: &str, start: usize, end: usize) -> [f32; N_CASE] {
    let s = text.get(start..end).unwrap_or("");
    let word_start = start == 0
        || text
            .get(..start)
            .and_then(|p| p.chars().next_back())
            .is_none_or(|c| !c.is_alphanumeric());
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    [
        b(s.chars().next().is_some_and(char::is_uppercase)),
        b(!letters.is_empty() && letters.iter().all(|c| c.is_uppercase())),
        b(!letters.is_empty() && letters.iter().all(|c| c.is_lowercase())),
        b(s.chars().any(|c| c.is_ascii_digit())),
        b(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        b(!s.is_empty() && s.chars().all(|c| !c.is_alphanumeric())),
        b(word_start),
        b(letters.len() > 1
            && letters[0].is_uppercase()
            && letters[1..].iter().all(|c| c.is_lowercase())),
    ]
}

/// Encoded window: token ids, byte offsets into the window text.
pub struct Encoded {
    pub ids: Vec<u32>,
    pub offsets: Vec<(usize, usize)>,
    /// false for special tokens ([CLS], [SEP]); never padded
    pub real: Vec<bool>,
}

/// Where the NER model runs. CUDA needs the `cuda` cargo feature (and a GPU at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    #[default]
    Cpu,
    Cuda,
    /// CUDA when built in and a GPU answers, else the CPU.
    Auto,
}

impl DeviceChoice {
    pub fn parse(s: &str) -> Option<DeviceChoice> {
        match s {
            "cpu" => Some(DeviceChoice::Cpu),
            "cuda" => Some(DeviceChoice::Cuda),
            "auto" => Some(DeviceChoice::Auto),
            _ => None,
        }
    }

    /// Whether this build can use a GPU at all.
    pub const fn gpu_built() -> bool {
        cfg!(feature = "cuda")
    }

    pub fn device(self) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Cuda if !Self::gpu_built() => Err(Error::Settings(
                "--device cuda: this build has no CUDA support (build with --features cuda)".into(),
            )),
            DeviceChoice::Cuda => Device::new_cuda(0)
                .map_err(|e| Error::Settings(format!("--device cuda: no usable GPU ({e})"))),
            DeviceChoice::Auto if Self::gpu_built() => {
                Ok(Device::new_cuda(0).unwrap_or(Device::Cpu))
            }
            DeviceChoice::Auto => Ok(Device::Cpu),
        }
    }
}

/// Files of the base encoder (see scripts/fetch-model.sh).
pub struct Encoder {
    pub bert: bert::Bert,
    pub tokenizer: Tokenizer,
    pub device: Device,
    /// Whether the casing/shape features carry values; off (all zero) only for the
    /// ablation that measures what they add (`train ner --no-case-features`).
    pub case_features: bool,
}

impl Encoder {
    pub fn load(dir: &Path, device: Device) -> Result<Encoder> {
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| Error::io("reading the encoder", &e))?;
        Encoder::load_from(dir, &weights, None, device)
    }

    /// The encoder from `weights` (the bytes of `dir/model.safetensors`, already read, e.g.
    /// to check their sha256) with only its bottom `layers` layers when given: the layers
    /// above are never converted. The tensors are copied out of `weights`.
    pub fn load_from(
        dir: &Path,
        weights: &[u8],
        layers: Option<usize>,
        device: Device,
    ) -> Result<Encoder> {
        let mut cfg: bert::Config = serde_json::from_str(
            &std::fs::read_to_string(dir.join("config.json"))
                .map_err(|e| Error::io("reading the encoder config", &e))?,
        )
        .map_err(|_| Error::Settings("encoder config.json is malformed".into()))?;
        if let Some(k) = layers {
            if k == 0 || k > cfg.num_hidden_layers {
                return Err(Error::Settings(format!(
                    "cannot keep {k} of {} encoder layers",
                    cfg.num_hidden_layers
                )));
            }
            cfg.num_hidden_layers = k;
        }
        let vb = VarBuilder::from_slice_safetensors(weights, DType::F32, &device).map_err(ml)?;
        let bert = bert::Bert::load(vb, &cfg).map_err(ml)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|_| Error::Settings("tokenizer.json is malformed".into()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|_| Error::Settings("tokenizer truncation".into()))?;
        // no padding: `inputs` pads a batch itself, packed rows need none
        tokenizer.with_padding(None);
        Ok(Encoder {
            bert,
            tokenizer,
            device,
            case_features: true,
        })
    }

    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Encoded>> {
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|_| Error::Detect("tokenizer failed".into()))?;
        Ok(enc
            .iter()
            .map(|e| Encoded {
                ids: e.get_ids().to_vec(),
                offsets: e.get_offsets().to_vec(),
                real: e
                    .get_special_tokens_mask()
                    .iter()
                    .map(|s| *s == 0)
                    .collect(),
            })
            .collect())
    }

    /// Model inputs for one padded batch: token ids and attention mask (B, T) and the
    /// casing features (B, T, N_CASE).
    pub fn inputs(&self, texts: &[&str], enc: &[Encoded]) -> Result<(Tensor, Tensor, Tensor)> {
        let t = enc.iter().map(|e| e.ids.len()).max().unwrap_or(0);
        let b = enc.len();
        let mut ids = Vec::with_capacity(b * t);
        let mut mask = Vec::with_capacity(b * t);
        let mut case = Vec::with_capacity(b * t * N_CASE);
        for (text, e) in texts.iter().zip(enc) {
            for i in 0..t {
                ids.push(e.ids.get(i).copied().unwrap_or(0));
                let real = e.real.get(i).copied().unwrap_or(false);
                let attended = i < e.ids.len() && (real || e.ids[i] != 0);
                mask.push(u32::from(attended));
                let f = if real && self.case_features {
                    let (s, en) = e.offsets[i];
                    case_features(text, s, en)
                } else {
                    [0.0; N_CASE]
                };
                case.extend_from_slice(&f);
            }
        }
        let ids = Tensor::from_vec(ids, (b, t), &self.device).map_err(ml)?;
        let mask = Tensor::from_vec(mask, (b, t), &self.device).map_err(ml)?;
        let case = Tensor::from_vec(case, (b, t, N_CASE), &self.device).map_err(ml)?;
        Ok((ids, mask, case))
    }

    /// The tensors of packed rows of length `t`: token ids and positions (B, T), the
    /// attention bias (B, 1, T, T) (0 inside a window, −1e4 across windows and for the
    /// padding at a row's end) and the casing features (B, T, N_CASE).
    fn packed_inputs(
        &self,
        texts: &[&str],
        enc: &[Encoded],
        rows: &[Vec<usize>],
        t: usize,
    ) -> Result<(Tensor, Tensor, Tensor, Tensor)> {
        let b = rows.len();
        let mut ids = vec![0u32; b * t];
        let mut pos = vec![0u32; b * t];
        let mut bias = vec![-10_000f32; b * t * t];
        let mut case = vec![0f32; b * t * N_CASE];
        for (ri, row) in rows.iter().enumerate() {
            let mut at = 0;
            for &wi in row {
                let e = &enc[wi];
                let n = e.ids.len();
                for i in 0..n {
                    let k = ri * t + at + i;
                    ids[k] = e.ids[i];
                    pos[k] = i as u32;
                    let q = (ri * t + at + i) * t + at;
                    bias[q..q + n].fill(0.0);
                    if e.real[i] && self.case_features {
                        let (s, en) = e.offsets[i];
                        case[k * N_CASE..(k + 1) * N_CASE]
                            .copy_from_slice(&case_features(texts[wi], s, en));
                    }
                }
                at += n;
            }
        }
        let dev = &self.device;
        let ids = Tensor::from_vec(ids, (b, t), dev).map_err(ml)?;
        let pos = Tensor::from_vec(pos, (b, t), dev).map_err(ml)?;
        let bias = Tensor::from_vec(bias, (b, 1, t, t), dev).map_err(ml)?;
        let case = Tensor::from_vec(case, (b, t, N_CASE), dev).map_err(ml)?;
        Ok((ids, pos, bias, case))
    }

    /// Hidden states plus casing features of packed rows (`rows` from [`pack_rows`] over
    /// `enc`'s lengths, `t` the longest row): (B, T, H + N_CASE); window `i` of a row
    /// starts where the windows before it in that row end.
    pub fn packed_features(
        &self,
        texts: &[&str],
        enc: &[Encoded],
        rows: &[Vec<usize>],
        t: usize,
    ) -> Result<Tensor> {
        let (ids, positions, bias, case) = self.packed_inputs(texts, enc, rows, t)?;
        let h = self
            .bert
            .forward_packed(&ids, &positions, &bias)
            .map_err(ml)?;
        Tensor::cat(&[&h, &case], D::Minus1).map_err(ml)
    }

    /// Hidden states plus casing features: (B, T, H + N_CASE) for one padded batch.
    pub fn features(&self, texts: &[&str], enc: &[Encoded]) -> Result<Tensor> {
        let (ids, mask, case) = self.inputs(texts, enc)?;
        let h = self.bert.forward(&ids, &mask).map_err(ml)?;
        Tensor::cat(&[&h, &case], D::Minus1).map_err(ml)
    }
}

/// Cut a text into windows of at most `WINDOW_CHARS`, preferably at line or sentence ends.
pub fn windows(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + WINDOW_CHARS).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end < text.len() {
            if let Some(cut) = text[start..end]
                .rfind(['\n', '.', ';'])
                .filter(|c| *c > WINDOW_CHARS / 3)
            {
                end = start + cut + 1;
            }
        }
        out.push((start, &text[start..end]));
        start = end;
    }
    out
}

/// Windows (their lengths in word pieces) packed into rows, first fit by decreasing
/// length, for a row length chosen among [`PACK_ROWS`] and the longest window: the one
/// whose batches ([`rows_per_batch`] rows, each batch as long as its longest row) hold
/// the fewest positions (the shorter row length on a tie: less attention). A document's
/// windows run from table cells of a few word pieces to 400-character blocks; one window
/// a row, padded to the longest, wasted a quarter of the encoder's work on padding. Every
/// window is in exactly one row.
pub fn pack_rows(lens: &[usize]) -> Vec<Vec<usize>> {
    let longest = lens.iter().copied().max().unwrap_or(0);
    let mut order: Vec<usize> = (0..lens.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(lens[i]), i));
    let pack = |cap: usize| {
        let mut rows: Vec<(usize, Vec<usize>)> = Vec::new();
        for &i in &order {
            match rows.iter_mut().find(|(used, _)| used + lens[i] <= cap) {
                Some((used, members)) => {
                    *used += lens[i];
                    members.push(i);
                }
                None => rows.push((lens[i], vec![i])),
            }
        }
        let t = rows.iter().map(|r| r.0).max().unwrap_or(0);
        let positions: usize = rows
            .chunks(rows_per_batch(t))
            .map(|c| c.len() * c.iter().map(|r| r.0).max().unwrap_or(0))
            .sum();
        (
            positions,
            rows.into_iter().map(|(_, m)| m).collect::<Vec<_>>(),
        )
    };
    std::iter::once(longest)
        .chain(PACK_ROWS.into_iter().filter(|&c| c > longest))
        .map(pack)
        .min_by_key(|(positions, _)| *positions)
        .map(|(_, rows)| rows)
        .unwrap_or_default()
}

/// The longest of packed `rows` (word pieces), windows of lengths `lens`.
pub fn longest_row(rows: &[Vec<usize>], lens: &[usize]) -> usize {
    rows.iter()
        .map(|r| r.iter().map(|&i| lens[i]).sum::<usize>())
        .max()
        .unwrap_or(0)
}

/// A window's encoding with (label, probability) per token.
type Tagged = (Encoded, Vec<(usize, f32)>);

/// The linear BIO head and its decoding thresholds.
pub struct NerModel {
    pub encoder: Encoder,
    pub w: Tensor,
    pub b: Tensor,
    pub thresholds: HashMap<Category, f32>,
    pub name: String,
    /// What identifies this model's output (see [`BatchDetector::fingerprint`]): its
    /// registry entry (version, file sha256, thresholds, training record) and the base
    /// encoder's sha256.
    pub fingerprint: String,
    /// Score → probability of PHI for the combined detector with this model (from its
    /// registry entry's `metrics.calibration`).
    pub calibration: Option<crate::calibration::Calibration>,
}

impl NerModel {
    /// Quantise the encoder's linear layers: "q8_0", "q4_0", "q4k", "f16" (an experiment for
    /// `bench --ner` and `eval`; not used by the pipeline).
    pub fn quantize(&mut self, kind: &str) -> Result<()> {
        use candle_core::quantized::GgmlDType;
        let dtype = match kind {
            "q8_0" => GgmlDType::Q8_0,
            "q4_0" => GgmlDType::Q4_0,
            "q4k" => GgmlDType::Q4K,
            "q8k" => GgmlDType::Q8K,
            "f16" => GgmlDType::F16,
            other => {
                return Err(Error::Settings(format!(
                    "unknown quantisation '{other}' (q8_0, q4_0, q4k, q8k, f16)"
                )))
            }
        };
        self.encoder.bert.quantize(dtype).map_err(ml)?;
        self.name = format!("{} ({kind})", self.name);
        Ok(())
    }

    /// Per window of `texts`: its encoding and, per token, (label, probability). The
    /// windows are packed into rows ([`pack_rows`]), [`rows_per_batch`] rows a batch.
    fn tag(&self, texts: &[&str]) -> Result<Vec<Tagged>> {
        let enc = self.encoder.encode(texts)?;
        let lens: Vec<usize> = enc.iter().map(|e| e.ids.len()).collect();
        let mut tags: Vec<Vec<(usize, f32)>> = vec![Vec::new(); texts.len()];
        let rows = pack_rows(&lens);
        for rows in rows.chunks(rows_per_batch(longest_row(&rows, &lens))) {
            let t = longest_row(rows, &lens);
            let x = self.encoder.packed_features(texts, &enc, rows, t)?;
            let (b, t, f) = x.dims3().map_err(ml)?;
            let logits = x
                .reshape((b * t, f))
                .and_then(|x| x.matmul(&self.w))
                .and_then(|l| l.broadcast_add(&self.b))
                .map_err(ml)?;
            let probs = candle_nn::ops::softmax(&logits, D::Minus1).map_err(ml)?;
            let probs: Vec<Vec<f32>> = probs.to_vec2().map_err(ml)?;
            for (ri, row) in rows.iter().enumerate() {
                let mut at = ri * t;
                for &wi in row {
                    tags[wi] = probs[at..at + lens[wi]]
                        .iter()
                        .map(|p| {
                            p.iter()
                                .copied()
                                .enumerate()
                                .fold((0, f32::MIN), |a, (i, v)| if v > a.1 { (i, v) } else { a })
                        })
                        .collect();
                    at += lens[wi];
                }
            }
        }
        Ok(enc.into_iter().zip(tags).collect())
    }

    /// Spans over many texts: every text's windows are tagged together.
    pub fn detect_texts(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>> {
        let mut wins: Vec<(usize, usize, &str)> = Vec::new();
        for (ti, t) in texts.iter().enumerate() {
            for (off, w) in windows(t) {
                wins.push((ti, off, w));
            }
        }
        let batch: Vec<&str> = wins.iter().map(|w| w.2).collect();
        let mut out: Vec<Vec<Span>> = vec![Vec::new(); texts.len()];
        for (&(ti, off, w), (enc, tags)) in wins.iter().zip(self.tag(&batch)?) {
            for s in decode(w, &enc, &tags, &self.thresholds) {
                out[ti].push(Span {
                    start: s.start + off,
                    end: s.end + off,
                    ..s
                });
            }
        }
        Ok(out)
    }
}

impl NerModel {
    /// Contextual embeddings of byte ranges: each range is encoded inside a window of
    /// [`EMBED_CONTEXT`] characters either side, the encoder's last hidden states of the
    /// word pieces inside the range are averaged, the mean of every token of every window
    /// is taken out, and the result is scaled to unit length. Batched by length
    /// ([`BATCH`] windows at a time, padded to the longest). The encoder's
    /// vocabulary is uncased, so the embedding does not depend on the text's casing.
    pub fn embed_spans(&self, spans: &[SpanRef<'_>]) -> Result<Vec<Vec<f32>>> {
        let wins: Vec<(&str, usize, usize)> = spans
            .iter()
            .map(|s| {
                let end = s.end.min(s.text.len()).min(s.start + WINDOW_CHARS / 2);
                let mut ws = s.start.saturating_sub(EMBED_CONTEXT).min(s.start);
                while !s.text.is_char_boundary(ws) {
                    ws -= 1;
                }
                let mut we = (end + EMBED_CONTEXT).min(s.text.len());
                while !s.text.is_char_boundary(we) {
                    we += 1;
                }
                (&s.text[ws..we], s.start - ws, end.max(s.start) - ws)
            })
            .collect();
        let mut order: Vec<usize> = (0..wins.len()).collect();
        order.sort_by_key(|&i| wins[i].0.len());
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); wins.len()];
        let mut mean: Vec<f64> = Vec::new();
        let mut tokens = 0usize;
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| wins[i].0).collect();
            let enc = self.encoder.encode(&batch)?;
            let (ids, mask, _) = self.encoder.inputs(&batch, &enc)?;
            let h = self.encoder.bert.forward(&ids, &mask).map_err(ml)?;
            let h: Vec<Vec<Vec<f32>>> = h.to_vec3().map_err(ml)?;
            for ((&wi, e), hb) in chunk.iter().zip(&enc).zip(&h) {
                let (_, s, en) = wins[wi];
                let dims = hb.first().map_or(0, Vec::len);
                if mean.is_empty() {
                    mean = vec![0f64; dims];
                }
                let mut v = vec![0f32; dims];
                let mut n = 0;
                for (ti, &(a, b)) in e.offsets.iter().enumerate() {
                    if !e.real[ti] {
                        continue;
                    }
                    for (m, y) in mean.iter_mut().zip(&hb[ti]) {
                        *m += f64::from(*y);
                    }
                    tokens += 1;
                    if a < en && s < b {
                        for (x, y) in v.iter_mut().zip(&hb[ti]) {
                            *x += y;
                        }
                        n += 1;
                    }
                }
                if n > 0 {
                    v.iter_mut().for_each(|x| *x /= n as f32);
                }
                out[wi] = v;
            }
        }
        // Contextual embeddings share a large common direction (any two tokens are close
        // by cosine); take out the mean of every token in the windows, then scale to unit
        // length, so what is left is what sets this occurrence apart.
        if tokens > 0 {
            let mean: Vec<f32> = mean.iter().map(|m| (m / tokens as f64) as f32).collect();
            for v in &mut out {
                v.iter_mut().zip(&mean).for_each(|(x, m)| *x -= m);
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|x| *x /= norm);
                }
            }
        }
        Ok(out)
    }
}

/// BIO tags → spans (byte offsets in `text`), widened to whole words.
pub fn decode(
    text: &str,
    enc: &Encoded,
    tags: &[(usize, f32)],
    thresholds: &HashMap<Category, f32>,
) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut cur: Option<(Category, usize, usize, f32, usize)> = None; // cat, start, end, sum, n
    let close = |cur: &mut Option<(Category, usize, usize, f32, usize)>, spans: &mut Vec<Span>| {
        if let Some((c, s, e, sum, n)) = cur.take() {
            let score = sum / n as f32;
            if score >= thresholds.get(&c).copied().unwrap_or(0.5) {
                let (s, e) = widen(text, s, e);
                spans.push(Span {
                    start: s,
                    end: e,
                    category: c,
                    score,
                    detector: "ner".into(),
                });
            }
        }
    };
    for (i, &(label, p)) in tags.iter().enumerate() {
        if !enc.real.get(i).copied().unwrap_or(false) {
            continue;
        }
        let (s, e) = enc.offsets[i];
        if label == 0 {
            close(&mut cur, &mut spans);
            continue;
        }
        let cat = NER_CATEGORIES[(label - 1) / 2];
        let begin = (label - 1).is_multiple_of(2);
        match &mut cur {
            Some((c, _, end, sum, n))
                if *c == cat && (!begin || text.get(*end..s).is_some_and(|g| g.is_empty())) =>
            {
                *end = e;
                *sum += p;
                *n += 1;
            }
            _ => {
                close(&mut cur, &mut spans);
                cur = Some((cat, s, e, p, 1));
            }
        }
    }
    close(&mut cur, &mut spans);
    spans
}

fn widen(text: &str, mut s: usize, mut e: usize) -> (usize, usize) {
    while let Some(c) = text
        .get(..s)
        .and_then(|p| p.chars().next_back())
        .filter(|c| c.is_alphanumeric())
    {
        s -= c.len_utf8();
    }
    while let Some(c) = text
        .get(e..)
        .and_then(|p| p.chars().next())
        .filter(|c| c.is_alphanumeric())
    {
        e += c.len_utf8();
    }
    (s, e)
}

impl BatchDetector for NerModel {
    fn name(&self) -> &str {
        &self.name
    }
    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }
    fn detect_batch(&self, units: &[TextUnit<'_>]) -> Result<Vec<Vec<Span>>> {
        let texts: Vec<&str> = units.iter().map(|u| u.text).collect();
        self.detect_texts(&texts)
    }
    fn embed_spans(&self, spans: &[SpanRef<'_>]) -> Option<Result<Vec<Vec<f32>>>> {
        Some(NerModel::embed_spans(self, spans))
    }
    fn calibration(&self) -> Option<&crate::calibration::Calibration> {
        self.calibration.as_ref()
    }
}

/// Load the registered head `spec` (e.g. `ner-minilm`) and the base encoder it names.
pub fn load_model(
    reg: &crate::registry::Registry,
    spec: &str,
    encoder_dir: &Path,
    device: DeviceChoice,
) -> Result<NerModel> {
    let (entry, bytes) = reg.read_verified(spec)?;
    let base_sha = entry
        .training
        .get("base_sha256")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let have = std::fs::read(encoder_dir.join("model.safetensors"))
        .map_err(|e| Error::io("reading the encoder", &e))?;
    // a model trained over the encoder's bottom layers only (`train ner --encoder-layers`)
    // loads only those
    let layers = entry
        .training
        .get("encoder_layers")
        .and_then(|v| v.as_u64())
        .map(|k| k as usize);
    let device = device.device()?;
    // The checked bytes are the ones loaded. The checksum runs beside the conversion (start-up
    // time) and decides before anything is returned: a mismatch drops what was converted.
    let (matches, encoder) = std::thread::scope(|s| {
        let check = s.spawn(|| crate::hash::sha256_hex(&have) == base_sha);
        let encoder = Encoder::load_from(encoder_dir, &have, layers, device);
        (check.join().unwrap_or(false), encoder)
    });
    if !matches {
        return Err(Error::Settings(format!(
            "model {spec}: base encoder checksum does not match"
        )));
    }
    let mut encoder = encoder?;
    let tensors = candle_core::safetensors::load_buffer(&bytes, &encoder.device).map_err(ml)?;
    encoder.case_features = entry
        .training
        .get("case_features")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    // fine-tuned top layers, when the version has them, replace the base encoder's
    let tuned = encoder.bert.overlay(&tensors).map_err(ml)?;
    let expected = entry
        .training
        .get("fine_tuned_layers")
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as usize;
    if tuned.len() != expected {
        return Err(Error::Settings(format!(
            "model {spec}: {} fine-tuned encoder layers in the file, {expected} registered",
            tuned.len()
        )));
    }
    let get = |k: &str| {
        tensors
            .get(k)
            .cloned()
            .ok_or_else(|| Error::Settings(format!("model {spec}: tensor {k} missing")))
    };
    let (w, b) = (get("w")?, get("b")?);
    let mut thresholds = HashMap::new();
    if let Some(t) = entry.training.get("thresholds").and_then(|v| v.as_object()) {
        for (k, v) in t {
            if let (Some(c), Some(x)) = (Category::parse(k), v.as_f64()) {
                thresholds.insert(c, x as f32);
            }
        }
    }
    let (name, fingerprint) = identity(&entry, spec)?;
    LOADS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let calibration =
        match entry.metrics.get("calibration") {
            Some(v) => Some(serde_json::from_value(v.clone()).map_err(|_| {
                Error::Settings(format!("model {spec}: the calibration is malformed"))
            })?),
            None => None,
        };
    Ok(NerModel {
        encoder,
        w,
        b,
        thresholds,
        fingerprint,
        name,
        calibration,
    })
}

/// How many NER models this process has loaded (a parent that only starts workers loads
/// none; tested).
static LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The number of [`load_model`] calls that succeeded in this process.
pub fn load_count() -> usize {
    LOADS.load(std::sync::atomic::Ordering::SeqCst)
}

/// Name and fingerprint of a registered NER model, as [`load_model`] gives them, from its
/// registry entry alone: the parent of a batch describes the job with them without
/// loading any weights.
pub fn identity(entry: &crate::registry::ModelEntry, spec: &str) -> Result<(String, String)> {
    let base_sha = entry
        .training
        .get("base_sha256")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let entry_json = serde_json::to_string(entry)
        .map_err(|_| Error::Settings(format!("model {spec}: registry entry")))?;
    let name = format!("ner:{}@{}", entry.name, entry.version);
    let fingerprint = format!(
        "{name}|entry:{}|base:{base_sha}",
        crate::hash::sha256_hex(entry_json.as_bytes())
    );
    Ok((name, fingerprint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_choice() {
        assert_eq!(DeviceChoice::parse("auto"), Some(DeviceChoice::Auto));
        assert_eq!(DeviceChoice::parse("gpu"), None);
        assert!(DeviceChoice::Cpu.device().expect("cpu").is_cpu());
        if !DeviceChoice::gpu_built() {
            let e = DeviceChoice::Cuda
                .device()
                .expect_err("no CUDA in this build");
            assert!(e.to_string().contains("--features cuda"));
            assert!(DeviceChoice::Auto.device().expect("auto").is_cpu());
        }
    }

    #[test]
    fn pack_rows_hold_every_window_once_and_waste_little() {
        let lens: Vec<usize> = (0..200).map(|i| 3 + (i * i) % 120).collect();
        let rows = pack_rows(&lens);
        let mut seen: Vec<usize> = rows.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..lens.len()).collect::<Vec<_>>(),
            "each window once"
        );
        let cap = longest_row(&rows, &lens);
        let total: usize = lens.iter().sum();
        let positions: usize = rows
            .chunks(rows_per_batch(cap))
            .map(|c| c.len() * longest_row(c, &lens))
            .sum();
        assert!(cap <= 256);
        assert!(
            positions * 100 <= total * 105,
            "{positions} positions for {total}"
        );
        // equal lengths: one window a row when two do not fit, no padding at all
        assert_eq!(pack_rows(&[92; 70]).len(), 70);
        // a long window and short ones share a row (160 positions, not 2 × 100)
        assert_eq!(pack_rows(&[100, 20, 20, 20]), vec![vec![0, 1, 2, 3]]);
        assert_eq!(pack_rows(&[150, 150, 20]), vec![vec![0, 2], vec![1]]);
        assert!(pack_rows(&[]).is_empty());
    }

    #[test]
    fn case_features_and_windows() {
        let t = "Seen by JOHN smith 42";
        assert_eq!(case_features(t, 8, 12)[1], 1.0); // all upper
        assert_eq!(case_features(t, 13, 18)[2], 1.0); // all lower
        assert_eq!(case_features(t, 19, 21)[4], 1.0); // digits
        let long = "word ".repeat(500);
        let w = windows(&long);
        assert!(w.len() >= 3);
        assert_eq!(w.iter().map(|(_, s)| s.len()).sum::<usize>(), long.len());
        assert_eq!(label_name(0), "O");
        assert_eq!(label_name(1), "B-NAME");
        assert_eq!(label_name(2), "I-NAME");
    }
}
