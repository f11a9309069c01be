using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Webhook.Storage;

/// <summary>Which DynamoDB failures are worth retrying: the service unreachable, throttling, failing on its side, or racing.</summary>
public static class DynamoFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException
            or TransactionConflictException or ThrottlingException => true,
        TransactionCanceledException canceled => canceled.CancellationReasons?.Any(r =>
            r.Code is "TransactionConflict" or "ConditionalCheckFailed" or "ThrottlingError" or "ProvisionedThroughputExceeded") == true,
        AmazonServiceException aws => aws.Retryable is not null || (int)aws.StatusCode >= 500 || aws.InnerException is { } inner && IsTransient(inner),
        AmazonClientException { InnerException: { } inner } => IsTransient(inner),
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        _ => false,
    };
}
