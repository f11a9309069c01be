using Webhook.Processor.Extensions;
using Webhook.ServiceDefaults;

// The image's health check runs this binary with --probe-liveness (its runtime has no shell or curl).
LivenessProbe.ExitIfRequested(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookProcessor();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
