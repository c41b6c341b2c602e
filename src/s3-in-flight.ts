/**
 * S3 requests kept in flight by default: the batch step's and `npm run download-bucket`'s GetObject
 * calls, and the sockets of the S3 client (src/clients.ts). A GetObject of a small object waits
 * mostly on the network (tens of milliseconds within AWS, a hundred or more from a laptop far from
 * the region), so the course's sink (35,130 one-record objects) is read about three times faster at
 * 64 than at 16: 11,710 objects behind 100 ms of latency took 80 s at 16 and 28 s at 64 here.
 */
export const S3_REQUESTS_IN_FLIGHT = 64;

/**
 * Objects the batch step reads at a time from a store that does not say (a folder copy of the
 * bucket): its reads are local, and each one keeps a spool file of its own.
 */
export const DEFAULT_OBJECTS_IN_FLIGHT = 16;
