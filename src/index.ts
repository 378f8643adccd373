// ikets: the library's public entry. Each layer adds its public API below, in its own section.

// --- wire codec (src/codec) ---

// --- crypto suite and key schedule (src/crypto) ---
