using Webhook.Processor.Data;
using Webhook.Processor.Extensions;
using Webhook.ServiceDefaults;

// The image's health check runs this binary with --probe-liveness (its runtime has no shell or curl).
LivenessProbe.ExitIfRequested(args);
// Run by the Processor itself before it consumes (DatabaseInitializer), or by a deployment as a step of its own.
if (SchemaMigration.IsRequested(args))
    return await SchemaMigration.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookProcessor();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();
return 0;
