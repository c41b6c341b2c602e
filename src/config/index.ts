export * from './load-config';
export * from './describe-config';
