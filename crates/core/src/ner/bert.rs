//! A BERT encoder on candle, written for this project (the shape of all-MiniLM-L6-v2:
//! 6 layers, hidden 384, 12 heads). Kept in the project, rather than taken from
//! candle-transformers, so the encoder can be fine-tuned (its LayerNorm is written out so
//! gradients flow; `trainable_top` turns the top layers into variables) and so only the
//! code we use is compiled.

use std::collections::HashMap;

use candle_core::{DType, Module, Result, Tensor, Var, D};
use candle_nn::{embedding, Embedding, VarBuilder};
use serde::Deserialize;

/// The fields of `config.json` we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
}

/// LayerNorm: candle-nn's fused kernel for inference, or written out from elementary ops
/// (differentiable, for fine-tuning the encoder) when `differentiable` is set.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
    differentiable: bool,
}

impl LayerNorm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(LayerNorm {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps,
            differentiable: false,
        })
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !self.differentiable {
            return candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps as f32);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        let xn = xc.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        xn.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)
    }
}

struct Embeddings {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        Ok(Embeddings {
            word: embedding(c.vocab_size, c.hidden_size, vb.pp("word_embeddings"))?,
            position: embedding(
                c.max_position_embeddings,
                c.hidden_size,
                vb.pp("position_embeddings"),
            )?,
            token_type: embedding(
                c.type_vocab_size,
                c.hidden_size,
                vb.pp("token_type_embeddings"),
            )?,
            norm: LayerNorm::load(vb.pp("LayerNorm"), c.hidden_size, c.layer_norm_eps)?,
        })
    }
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let pos = Tensor::arange(0u32, t as u32, ids.device())?.unsqueeze(0)?;
        self.forward_at(ids, &pos)
    }
    /// `positions`: (B, T) or (1, T) u32, each token's place in its own sequence.
    fn forward_at(&self, ids: &Tensor, positions: &Tensor) -> Result<Tensor> {
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(positions)?)?
            .add(&self.token_type.forward(&types)?)?;
        self.norm.forward(&x)
    }
}

/// A linear layer with its weight stored transposed and contiguous, (in, out), so the
/// matrix product reads it row by row; input (B, T, in) runs as one (B·T, in) product.
struct Lin {
    wt: Tensor,
    b: Tensor,
    /// The weight quantised (an experiment measured by `bench --ner --quantize`; inference
    /// uses it instead of `wt` when set).
    q: Option<candle_core::quantized::QMatMul>,
}

impl Lin {
    fn new(w: Tensor, b: Tensor) -> Result<Lin> {
        Ok(Lin {
            wt: w.t()?.contiguous()?,
            b,
            q: None,
        })
    }
    fn quantize(&mut self, dtype: candle_core::quantized::GgmlDType) -> Result<()> {
        let w = self.wt.t()?.contiguous()?;
        let q = candle_core::quantized::QTensor::quantize(&w, dtype)?;
        self.q = Some(candle_core::quantized::QMatMul::from_qtensor(q)?);
        Ok(())
    }
    fn load(vb: VarBuilder, i: usize, o: usize) -> Result<Lin> {
        Lin::new(vb.get((o, i), "weight")?, vb.get(o, "bias")?)
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.apply(x, |y, b| y.broadcast_add(b))
    }

    /// The product, then `epilogue(product, bias)` (adding the bias, possibly fused with
    /// what follows) on the (B·T, out) matrix.
    fn apply(
        &self,
        x: &Tensor,
        epilogue: impl FnOnce(&Tensor, &Tensor) -> Result<Tensor>,
    ) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let x2 = x.reshape((b * t, h))?;
        let y = match &self.q {
            Some(q) => q.forward(&x2)?,
            None => x2.matmul(&self.wt)?,
        };
        let n = y.dim(1)?;
        epilogue(&y, &self.b)?.reshape((b, t, n))
    }
}

struct Layer {
    /// Query, key and value projections fused into one (3H × H) matrix.
    qkv: Lin,
    attn_out: Lin,
    attn_norm: LayerNorm,
    inter: Lin,
    out: Lin,
    out_norm: LayerNorm,
    heads: usize,
    head_dim: usize,
    differentiable: bool,
}

impl Layer {
    /// Every weight of the layer by a stable name (the names fine-tuned weights are saved
    /// under; `qkv.wt` etc. are the transposed, fused forms this module computes with).
    fn params_mut(&mut self) -> [(&'static str, &mut Tensor); 12] {
        [
            ("qkv.wt", &mut self.qkv.wt),
            ("qkv.b", &mut self.qkv.b),
            ("attn_out.wt", &mut self.attn_out.wt),
            ("attn_out.b", &mut self.attn_out.b),
            ("attn_norm.weight", &mut self.attn_norm.weight),
            ("attn_norm.bias", &mut self.attn_norm.bias),
            ("inter.wt", &mut self.inter.wt),
            ("inter.b", &mut self.inter.b),
            ("out.wt", &mut self.out.wt),
            ("out.b", &mut self.out.b),
            ("out_norm.weight", &mut self.out_norm.weight),
            ("out_norm.bias", &mut self.out_norm.bias),
        ]
    }

    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let h = c.hidden_size;
        let a = vb.pp("attention");
        let part = |name: &str| -> Result<(Tensor, Tensor)> {
            let p = a.pp("self").pp(name);
            Ok((p.get((h, h), "weight")?, p.get(h, "bias")?))
        };
        let (qw, qb) = part("query")?;
        let (kw, kb) = part("key")?;
        let (vw, vb_) = part("value")?;
        let qkv = Lin::new(
            Tensor::cat(&[&qw, &kw, &vw], 0)?,
            Tensor::cat(&[&qb, &kb, &vb_], 0)?,
        )?;
        Ok(Layer {
            qkv,
            attn_out: Lin::load(a.pp("output").pp("dense"), h, h)?,
            attn_norm: LayerNorm::load(a.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            inter: Lin::load(vb.pp("intermediate").pp("dense"), h, c.intermediate_size)?,
            out: Lin::load(vb.pp("output").pp("dense"), c.intermediate_size, h)?,
            out_norm: LayerNorm::load(vb.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            heads: c.num_attention_heads,
            head_dim: h / c.num_attention_heads,
            differentiable: false,
        })
    }

    /// `x`: (B, T, H); `bias`: (B, 1, 1, T) additive mask (0 or −1e4).
    fn forward(&self, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        // (B, T, 3H) → (3, B, heads, T, head_dim): one copy for all three
        let qkv = self
            .qkv
            .forward(x)?
            .reshape((b, t, 3, self.heads, self.head_dim))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let q = (qkv.get(0)? * scale)?;
        let (k, v) = (qkv.get(1)?, qkv.get(2)?);
        let scores = q.matmul(&k.t()?)?.broadcast_add(bias)?;
        let probs = if self.differentiable {
            candle_nn::ops::softmax(&scores, D::Minus1)?
        } else {
            candle_nn::ops::softmax_last_dim(&scores)?
        };
        let ctx = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, t, h))?;
        let x = self
            .attn_norm
            .forward(&(self.attn_out.forward(&ctx)? + x)?)?;
        let inter = if self.differentiable {
            self.inter.forward(&x)?.gelu_erf()?
        } else {
            self.inter.apply(&x, super::kernels::bias_gelu)?
        };
        self.out_norm.forward(&(self.out.forward(&inter)? + x)?)
    }
}

/// The encoder: token ids and an attention mask in, one hidden vector per token out.
pub struct Bert {
    emb: Embeddings,
    layers: Vec<Layer>,
}

impl Bert {
    pub fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), c))
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            emb: Embeddings::load(vb.pp("embeddings"), c)?,
            layers,
        })
    }

    /// Switch between the fast inference kernels (fused LayerNorm and softmax, no
    /// gradients) and elementary ops that gradients flow through (fine-tuning).
    pub fn set_differentiable(&mut self, on: bool) {
        self.emb.norm.differentiable = on;
        for l in &mut self.layers {
            l.differentiable = on;
            l.attn_norm.differentiable = on;
            l.out_norm.differentiable = on;
        }
    }

    /// Quantise every layer's linear weights (inference only; an experiment: see
    /// docs/benchmarks.md for what it costs and buys).
    pub fn quantize(&mut self, dtype: candle_core::quantized::GgmlDType) -> Result<()> {
        for l in &mut self.layers {
            for lin in [&mut l.qkv, &mut l.attn_out, &mut l.inter, &mut l.out] {
                lin.quantize(dtype)?;
            }
        }
        Ok(())
    }

    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Keep only the bottom `k` layers (a smaller, faster encoder: the layers above are
    /// dropped and the head is trained over layer `k`'s output). `k` must be 1..=layers.
    pub fn truncate(&mut self, k: usize) -> Result<()> {
        if k == 0 || k > self.layers.len() {
            candle_core::bail!("cannot keep {k} of {} encoder layers", self.layers.len());
        }
        self.layers.truncate(k);
        Ok(())
    }

    /// `ids`, `mask`: (B, T) u32, mask 1 for real tokens. Returns (B, T, H).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let n = self.layers.len();
        self.upper(&self.lower(ids, mask, n)?, mask, n)
    }

    /// Packed rows: several sequences side by side in one row of `ids` (B, T), each
    /// with its own `positions` (B, T) from 0, and `bias` (B, 1, T, T) (0 or −1e4) keeping
    /// each token's attention inside its own sequence. Each sequence's hidden states are
    /// those it gets alone (up to rounding). Returns (B, T, H).
    pub fn forward_packed(
        &self,
        ids: &Tensor,
        positions: &Tensor,
        bias: &Tensor,
    ) -> Result<Tensor> {
        let mut x = self.emb.forward_at(ids, positions)?;
        for l in &self.layers {
            x = l.forward(&x, bias)?;
        }
        Ok(x)
    }

    /// Embeddings and the first `upto` layers.
    pub fn lower(&self, ids: &Tensor, mask: &Tensor, upto: usize) -> Result<Tensor> {
        let bias = mask_bias(mask)?;
        let mut x = self.emb.forward(ids)?;
        for l in self.layers.iter().take(upto) {
            x = l.forward(&x, &bias)?;
        }
        Ok(x)
    }

    /// The layers from `from` on, over hidden states `x` from `lower(.., from)`.
    pub fn upper(&self, x: &Tensor, mask: &Tensor, from: usize) -> Result<Tensor> {
        let bias = mask_bias(mask)?;
        let mut x = x.clone();
        for l in self.layers.iter().skip(from) {
            x = l.forward(&x, &bias)?;
        }
        Ok(x)
    }

    /// Make the top `k` layers trainable: their weights become variables (shared with the
    /// layers, so an optimiser step changes what `forward` computes). Returns them by name.
    pub fn trainable_top(&mut self, k: usize) -> Result<Vec<(String, Var)>> {
        let n = self.layers.len();
        let mut vars = Vec::new();
        for (i, l) in self.layers.iter_mut().enumerate().skip(n.saturating_sub(k)) {
            for (name, t) in l.params_mut() {
                let v = Var::from_tensor(t)?;
                *t = v.as_tensor().clone();
                vars.push((format!("encoder.layer.{i}.{name}"), v));
            }
        }
        Ok(vars)
    }

    /// Replace layer weights by the tensors named `encoder.layer.{i}.{param}` in `tensors`
    /// (fine-tuned weights; any dtype, converted to f32). Returns the layers replaced; a
    /// layer is replaced whole or not at all, and a shape mismatch is an error.
    pub fn overlay(&mut self, tensors: &HashMap<String, Tensor>) -> Result<Vec<usize>> {
        let mut done = Vec::new();
        for (i, l) in self.layers.iter_mut().enumerate() {
            let names: Vec<String> = l
                .params_mut()
                .iter()
                .map(|(n, _)| format!("encoder.layer.{i}.{n}"))
                .collect();
            let present = names.iter().filter(|n| tensors.contains_key(*n)).count();
            if present == 0 {
                continue;
            }
            if present != names.len() {
                candle_core::bail!("fine-tuned layer {i} is incomplete");
            }
            for ((_, t), name) in l.params_mut().into_iter().zip(&names) {
                let new = tensors[name].to_dtype(DType::F32)?.to_device(t.device())?;
                if new.dims() != t.dims() {
                    candle_core::bail!("fine-tuned {name} has the wrong shape");
                }
                *t = new;
            }
            done.push(i);
        }
        Ok(done)
    }
}

/// (B, T) attention mask → (B, 1, 1, T) additive bias (0 or −1e4).
fn mask_bias(mask: &Tensor) -> Result<Tensor> {
    ((mask.to_dtype(DType::F32)? - 1.0)? * 10_000.0)?
        .unsqueeze(1)?
        .unsqueeze(1)
}
