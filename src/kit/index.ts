/**
 * The AWS and Databricks kit (`npm run aws:kit`): what the learner sets up by hand in the course,
 * filled in for their user id: the EC2 client's Kafka and REST proxy properties, the MSK Connect
 * S3 sink, the API Gateway REST API as OpenAPI, the IAM policies, the MWAA and Databricks steps.
 */
export * from './kit-settings';
export * from './openapi';
export * from './properties';
export * from './iam';
export * from './guides';
export * from './write-kit';
