"""The sample system: recipe-api (producer) and web-api (consumer). See docs/service.md."""
