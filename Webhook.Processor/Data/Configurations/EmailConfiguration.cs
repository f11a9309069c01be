using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class EmailConfiguration : IEntityTypeConfiguration<Email>
{
    public void Configure(EntityTypeBuilder<Email> builder)
    {
        builder.ToTable("emails");
        builder.Property(e => e.Id).HasColumnName("id").HasMaxLength(256);
        builder.Property(e => e.CustomerId).HasColumnName("customer_id");
        builder.Property(e => e.Subject).HasColumnName("subject").HasMaxLength(500);
        builder.Property(e => e.SentAt).HasColumnName("sent_at");
        builder.HasOne(e => e.Customer).WithMany().HasForeignKey(e => e.CustomerId);
        builder.HasMany(e => e.Products).WithOne().HasForeignKey(p => p.EmailId);
    }
}
