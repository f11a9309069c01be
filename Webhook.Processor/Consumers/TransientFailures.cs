using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Which failures are worth retrying: a store that is down, slow, throttling or racing. Everything else (a bug, bad
/// data, a constraint the event can never satisfy) is permanent and goes to the error queue without retrying.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is PostgresException { SqlState: "40001" or "40P01" or "57P01" or "57P03" },
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException
            or TransactionConflictException or ThrottlingException => true,
        TransactionCanceledException canceled => canceled.CancellationReasons?.Any(r =>
            r.Code is "TransactionConflict" or "ConditionalCheckFailed" or "ThrottlingError" or "ProvisionedThroughputExceeded") == true,
        AmazonServiceException aws => aws.Retryable is not null || (int)aws.StatusCode >= 500 || aws.InnerException is { } inner && IsTransient(inner),
        AmazonClientException { InnerException: { } inner } => IsTransient(inner),
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        TaskCanceledException or OperationCanceledException => true,
        _ => false,
    };
}
