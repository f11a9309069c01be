namespace Webhook.Messaging.DeadLetters;

/// <summary>
/// Headers a replay writes on the event it sends back, so that the event's history survives a round trip: if it
/// fails again, the Processor's move to the dead-letter queue copies every header of the message it received
/// (MassTransit's error transport keeps the received properties and only adds its own fault headers), and these
/// come back with it.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>How many times the event has been replayed.</summary>
    public const string ReplayCount = "Webhook-Replay-Count";

    /// <summary>Processing attempts of the rounds before this replay.</summary>
    public const string PreviousAttempts = "Webhook-Previous-Attempts";

    /// <summary>When the event first failed for good (ISO 8601, UTC).</summary>
    public const string FirstFailedAt = "Webhook-First-Failed-At";

    /// <summary>When it was last replayed (ISO 8601, UTC).</summary>
    public const string ReplayedAt = "Webhook-Replayed-At";

    /// <summary>
    /// The replay that sent it back. A replay that meets its own id again has reached events that failed again
    /// while it ran, and stops there rather than replaying them in a loop.
    /// </summary>
    public const string ReplayId = "Webhook-Replay-Id";
}
