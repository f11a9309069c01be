using Microsoft.EntityFrameworkCore;

namespace Webhook.Processor.Data;

/// <summary>
/// The marketing data the Processor keeps up to date, and its inbox.
/// New migration: <c>dotnet ef migrations add &lt;Name&gt; --project Webhook.Processor --output-dir Data/Migrations</c>
/// (dotnet-ef 10.0.15; the design-time connection string comes from appsettings.Development.json).
/// <para>
/// No retrying execution strategy, on purpose: a transient failure fails the event's attempt as a whole, its
/// transaction rolls back, and MassTransit's message retry (EmailEventReceivedConsumerDefinition) runs the whole event
/// again, both stores included, each idempotent on the event id. A retrying strategy underneath would multiply the
/// attempts and the time an event holds its concurrency slot. Migrations at start have their own wait
/// (DatabaseInitializer).
/// </para>
/// </summary>
public class WebhookDbContext(DbContextOptions<WebhookDbContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<Email> Emails => Set<Email>();
    public DbSet<EmailProduct> EmailProducts => Set<EmailProduct>();
    public DbSet<ViewedProduct> ViewedProducts => Set<ViewedProduct>();
    public DbSet<EmailClick> EmailClicks => Set<EmailClick>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WebhookDbContext).Assembly);
}
