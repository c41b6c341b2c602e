export * from './write-report';
export * from './show-answer';
