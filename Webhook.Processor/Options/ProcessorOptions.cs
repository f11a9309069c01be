using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Processor.Options;

/// <summary>How the Processor works through the queue. Section "Processor".</summary>
public sealed class ProcessorOptions
{
    public const string Section = "Processor";

    /// <summary>Events processed at once, across all replicas (the broker feeds one replica at a time).</summary>
    [Range(1, 256, ErrorMessage = "Processor:ConcurrencyLimit must be between 1 and 256.")]
    public int ConcurrencyLimit { get; set; } = 3;

    /// <summary>
    /// How long the inbox remembers an event that went through: longer than any provider retries a webhook (SendGrid
    /// 24 h, Svix about 28 h, Mailgun 8 h), hence the floor of two days. Events that failed once are remembered for good.
    /// </summary>
    [Range(typeof(TimeSpan), "2.00:00:00", "365.00:00:00", ErrorMessage = "Processor:InboxRetention must be between 2.00:00:00 and 365.00:00:00.")]
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the inbox is cleaned of rows older than <see cref="InboxRetention"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Processor:InboxCleanupInterval must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan InboxCleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// First wait between the attempts at an event that failed for a reason not its own; it doubles up to
    /// <see cref="RetryMaxInterval"/>, and the attempts go on until the cause is fixed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Processor:RetryMinInterval must be between 00:00:00 and 00:10:00.")]
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest wait between two attempts: how soon, at worst, events go through again once the failing dependency
    /// is back. A few attempts a second across the slots are nothing to a database that answers again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Processor:RetryMaxInterval must be between 00:00:00 and 01:00:00.")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Insert the sample customers, emails and products of the quick start (only where none exist).</summary>
    public bool SeedSampleData { get; set; }
}

