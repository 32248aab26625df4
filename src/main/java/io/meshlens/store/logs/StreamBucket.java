package io.meshlens.store.logs;

import java.util.List;

/**
 * Entries of one stream (its values of the grouping labels) whose start falls in one time bucket
 * {@code (bucketEndMs - width, bucketEndMs]}.
 *
 * @param labelValues values of the grouping labels, in the order asked for ({@code ""} = absent)
 * @param bucketEndMs inclusive end of the bucket, epoch milliseconds
 * @param count entries in the bucket
 * @param bytes UTF-8 bytes of their lines
 */
public record StreamBucket(List<String> labelValues, long bucketEndMs, long count, long bytes) {}
