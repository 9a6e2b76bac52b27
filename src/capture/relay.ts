/** ISOLATED-world relay (placeholder until the capture feature lands). */
export {};
