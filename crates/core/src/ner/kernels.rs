//! Inference kernels the encoder needs and candle's CPU backend runs slowly: candle's
//! `gelu_erf` calls a scalar `erf` on one thread, which took about a fifth of the
//! encoder's time. `bias_gelu` adds the bias and applies GELU in one pass over the
//! intermediate activations, with a branch-free rational `erf` (the approximation Eigen
//! and XLA use for f32; absolute error below 1e-6 on the whole line, tested against the
//! exact function) that the compiler vectorises, split over threads. Inference only (no
//! backward): fine-tuning keeps candle's differentiable ops.

use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Ask glibc's allocator to keep freed memory for reuse. By default every large
/// activation (above 128 KiB; a batch's are up to 25 MB) gets freshly mapped pages and
/// gives them back when freed, so each encoder batch paid for page faults and zeroing:
/// about a sixth of the NER's time in the kernel. With allocations up to 256 MiB served
/// from the heap and trimming only above 512 MiB free, they are reused. Address-space
/// limits (the worker's memory cap) still see only what is used. Call once at program
/// start, before other threads; a no-op elsewhere than Linux/glibc.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: mallopt only sets allocator parameters; both values are in range.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// erf(x) for f32: odd rational function of x on [-4, 4] (erf is ±1 in f32 beyond).
/// Plain `*`/`+` rather than `mul_add`, which is a library call without the FMA feature.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.9546e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    x * p / q
}

/// GELU with the exact (erf) form: x · Φ(x).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

struct BiasGelu;

impl CustomOp2 for BiasGelu {
    fn name(&self) -> &'static str {
        "bias-gelu"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(x), CpuStorage::F32(b)) = (s1, s2) else {
            bail!("bias-gelu: f32 only")
        };
        let (Some((x0, x1)), Some((b0, b1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            bail!("bias-gelu: contiguous inputs only")
        };
        let (x, b) = (&x[x0..x1], &b[b0..b1]);
        let n = b.len();
        if n == 0 || x.len() % n != 0 || l1.dims().last() != Some(&n) {
            bail!("bias-gelu: the bias must match the last dimension")
        }
        let mut out = vec![0f32; x.len()];
        // rows in chunks of about 64 KiB
        let rows = (16_384 / n).max(1);
        out.par_chunks_mut(rows * n)
            .zip(x.par_chunks(rows * n))
            .for_each(|(o, x)| {
                for (o, x) in o.chunks_exact_mut(n).zip(x.chunks_exact(n)) {
                    for ((o, x), b) in o.iter_mut().zip(x).zip(b) {
                        *o = gelu(x + b);
                    }
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// `gelu(x + b)` with `b` broadcast over the last dimension. CPU tensors take the fused
/// kernel; others (CUDA) take candle's ops.
pub fn bias_gelu(x: &Tensor, b: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == candle_core::DType::F32 {
        x.contiguous()?
            .apply_op2_no_bwd(&b.contiguous()?, &BiasGelu)
    } else {
        x.broadcast_add(b)?.gelu_erf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_the_exact_function() {
        let xs: Vec<f32> = (-60_000..=60_000).map(|i| i as f32 / 10_000.0).collect();
        let exact: Vec<f32> = Tensor::new(xs.as_slice(), &candle_core::Device::Cpu)
            .and_then(|t| t.erf())
            .and_then(|t| t.to_vec1())
            .expect("candle erf");
        let worst = xs
            .iter()
            .zip(&exact)
            .map(|(x, e)| (erf(*x) - e).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-6, "erf off by {worst}");
    }

    #[test]
    fn bias_gelu_matches_candles_ops() {
        let dev = candle_core::Device::Cpu;
        let x = Tensor::randn(0f32, 3.0, (7, 33, 40), &dev).expect("x");
        let b = Tensor::randn(0f32, 1.0, 40, &dev).expect("b");
        let fast = bias_gelu(&x, &b).expect("fast");
        let slow = x
            .broadcast_add(&b)
            .and_then(|t| t.gelu_erf())
            .expect("slow");
        let d = (fast - slow)
            .and_then(|d| d.abs())
            .and_then(|d| d.max_all())
            .and_then(|d| d.to_scalar::<f32>())
            .expect("diff");
        assert!(d < 1e-5, "differs by {d}");
        assert!(bias_gelu(
            &x,
            &Tensor::zeros(39, candle_core::DType::F32, &dev).expect("z")
        )
        .is_err());
    }
}
