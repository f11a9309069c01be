using Microsoft.EntityFrameworkCore;

namespace Webhook.Processor.Data;

/// <summary>
/// The marketing data the Processor keeps up to date, and its inbox.
/// New migration: <c>dotnet ef migrations add &lt;Name&gt; --project Webhook.Processor --output-dir Data/Migrations</c>
/// (dotnet-ef 10.0.15; the design-time connection string comes from appsettings.Development.json).
/// <para>
/// The model of the schema, for the migrations and the sample data (<see cref="SchemaMigration"/>, a process of its
/// own, with its own wait for PostgreSQL), and for tests. The running Processor does not use it: each event is one
/// Npgsql statement (MarketingDataWriter), retried as a whole by MassTransit's message retry.
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
