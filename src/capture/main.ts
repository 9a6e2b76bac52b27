/** MAIN-world capture hook (placeholder until the capture feature lands). */
export {};
