/** The configuration (credentials/*.yaml, the environment): the only import surface of src/config/. */
export * from './load-config';
export * from './describe-config';
export * from './paths';
export { USER_ID_EXPECTED, userId } from './schema';
