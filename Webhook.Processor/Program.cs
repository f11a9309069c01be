using Webhook.Processor.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookProcessor();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

