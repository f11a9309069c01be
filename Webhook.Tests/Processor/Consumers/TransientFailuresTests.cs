using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Webhook.Processor.Consumers;

namespace Webhook.Tests.Processor.Consumers;

public class TransientFailuresTests
{
    public static TheoryData<Exception> Transient => new()
    {
        new TimeoutException(),
        new SocketException((int)SocketError.ConnectionRefused),
        new NpgsqlException("connection refused", new SocketException((int)SocketError.ConnectionRefused)),
        new DbUpdateException("wrapped", new TimeoutException()),
        new ProvisionedThroughputExceededException("slow down"),
        new HttpRequestException("connection refused"),
        new TransactionCanceledException("raced") { CancellationReasons = [new CancellationReason { Code = "TransactionConflict" }] },
    };

    public static TheoryData<Exception> Permanent => new()
    {
        new InvalidOperationException("bug"),
        new ArgumentException("bad data"),
        new DbUpdateException("constraint", new InvalidOperationException()),
        new TransactionCanceledException("invalid") { CancellationReasons = [new CancellationReason { Code = "ValidationError" }] },
        new ResourceNotFoundException("no table"),
    };

    [Theory]
    [MemberData(nameof(Transient))]
    public void Should_retry_when_a_store_is_down_slow_or_racing(Exception exception) =>
        Assert.True(TransientFailures.IsTransient(exception));

    [Theory]
    [MemberData(nameof(Permanent))]
    public void Should_not_retry_when_the_failure_cannot_go_away(Exception exception) =>
        Assert.False(TransientFailures.IsTransient(exception));
}
