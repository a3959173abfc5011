import { enableLinearRegexFallback } from '../src/regex-engine.js';

// Tests must see the same regex engine as the shipped entry points.
enableLinearRegexFallback();
