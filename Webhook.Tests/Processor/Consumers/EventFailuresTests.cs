using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Npgsql;
using Webhook.Processor.Consumers;
using Webhook.Processor.Stats;

namespace Webhook.Tests.Processor.Consumers;

public class EventFailuresTests
{
    public static TheoryData<Exception> TheEventsOwn => new()
    {
        new StatisticsRejectedException("DynamoDB refused event x (ValidationException): key too long"),
        new PostgresException("value too long for type character varying(256)", "ERROR", "ERROR", "22001"),
        new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021"),
        new InvalidOperationException("wrapped", new PostgresException("duplicate key value", "ERROR", "ERROR", "23505")),
    };

    /// <summary>The failures that once dead-lettered a whole stream at full speed: they are the platform's, not an event's.</summary>
    public static TheoryData<Exception> NotTheEventsOwn => new()
    {
        new TimeoutException(),
        new SocketException((int)SocketError.ConnectionRefused),
        new NpgsqlException("connection refused", new SocketException((int)SocketError.ConnectionRefused)),
        new InvalidOperationException("wrapped", new TimeoutException()),
        new ProvisionedThroughputExceededException("slow down"),
        new HttpRequestException("connection refused"),
        new ResourceNotFoundException("Cannot do operations on a non-existent table"),
        new AmazonServiceException("User is not authorized to perform: dynamodb:TransactWriteItems") { ErrorCode = "AccessDeniedException" },
        new PostgresException("password authentication failed for user \"webhook\"", "FATAL", "FATAL", "28P01"),
        new PostgresException("relation \"inbox_messages\" does not exist", "ERROR", "ERROR", "42P01"),
        new PostgresException("permission denied for table inbox_messages", "ERROR", "ERROR", "42501"),
        new InvalidOperationException("a bug"),
    };

    [Theory]
    [MemberData(nameof(TheEventsOwn))]
    public void Should_dead_letter_only_what_a_store_refuses_of_the_event_itself(Exception exception) =>
        Assert.True(EventFailures.IsTheEventsFault(exception));

    [Theory]
    [MemberData(nameof(NotTheEventsOwn))]
    public void Should_wait_out_every_other_failure_rather_than_dead_letter_the_event(Exception exception) =>
        Assert.False(EventFailures.IsTheEventsFault(exception));
}
