using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class EmailClickConfiguration : IEntityTypeConfiguration<EmailClick>
{
    public void Configure(EntityTypeBuilder<EmailClick> builder)
    {
        builder.ToTable("email_clicks");
        builder.HasKey(c => c.EventId);
        builder.Property(c => c.EventId).HasColumnName("event_id").ValueGeneratedNever();
        builder.Property(c => c.EmailId).HasColumnName("email_id").HasMaxLength(256);
        builder.Property(c => c.CustomerId).HasColumnName("customer_id");
        builder.Property(c => c.ClickedAt).HasColumnName("clicked_at");
        builder.HasIndex(c => c.EmailId);
    }
}
