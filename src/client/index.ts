export * from './secure-channel';
export * from './auth-client';
export { sendRequest, raceSignal, type FetchLike, type RequestControl, type RawResponse } from './transport';
export { decodeResponse, assertSuccess, validateData, type DecodedResponse, type ResponseForm } from './read-response';
