import { enableLinearRegexFallback } from '../src/v8-flags.js';

// Tests must see the same regex engine as the shipped entry points.
enableLinearRegexFallback();
