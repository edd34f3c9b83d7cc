/** Unix seconds now (NIP-01 `created_at`): the default for every `now` parameter of this package. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
