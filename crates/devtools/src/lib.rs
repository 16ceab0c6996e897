//! deid-devtools: everything around the pipeline that is for developers, not for redacting:
//! generated test PDFs ([`testpdf`]) and the bundled samples ([`samples`]), synthetic and
//! realistic-format labelled data ([`synth`], [`realistic`]), the evaluation scorer
//! ([`eval`]), corpus runs ([`corpus`]) and offline NER training ([`ner_train`]). The
//! `pdf-deid` CLI, the integration tests and the benches use it; the desktop app does not
//! link it.

pub mod bench;
pub mod corpus;
pub mod eval;
pub mod ner_train;
pub mod plot;
pub mod realistic;
pub mod samples;
pub mod synth;
pub mod testpdf;
