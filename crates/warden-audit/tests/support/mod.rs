pub mod moto;
pub mod seed;
