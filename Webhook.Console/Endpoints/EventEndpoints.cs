using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Webhook.Console.Events;
using Webhook.Console.Security;
using Webhook.Messaging;

namespace Webhook.Console.Endpoints;

/// <summary>Where an event is: <c>GET /api/events/{eventId}</c>. Operators only.</summary>
public static class EventEndpoints
{
    public const string Route = "/api/events";

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Route).WithTags("Events").RequireAuthorization(ConsoleRoles.ApiOperations)
            .MapGet("/{eventId:guid}", LocateAsync).WithName("LocateEvent")
            .WithSummary("Where an event is: counted in DynamoDB, applied in PostgreSQL, in the dead letters (with the reason); what the main queue holds.");
        return app;
    }

    public static async Task<Results<Ok<EventLocation>, ProblemHttpResult>> LocateAsync(Guid eventId, EventLocator locator, CancellationToken cancellationToken)
    {
        EventLocation location;
        try
        {
            location = await locator.LocateAsync(eventId, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            return DeadLetterEndpoints.Unavailable(ex);
        }
        catch (NpgsqlException ex)
        {
            return TypedResults.Problem(title: "PostgreSQL unavailable", detail: $"The inbox cannot be read: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (location.Status == EventLocation.Unknown)
        {
            // RabbitMQ cannot browse the main queue (reading a message in place counts as a delivery), so an event
            // waiting there is known to no store yet: say how many wait.
            var waiting = location.Queue is { } queue ? $" {queue.Waiting} events wait in {queue.Queue} unprocessed: it may be one of them." : "";
            return TypedResults.Problem(title: "Unknown event",
                detail: $"No store has event {eventId}, and it is not in the dead letters.{waiting}",
                statusCode: StatusCodes.Status404NotFound,
                extensions: new Dictionary<string, object?> { ["waitingInQueue"] = location.Queue?.Waiting });
        }
        return TypedResults.Ok(location);
    }
}
