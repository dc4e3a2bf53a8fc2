# frozen_string_literal: true

Gem::Specification.new do |spec|
  spec.name    = "tiny_http"
  spec.version = '0.4.1' # bumped by rake release
  spec.authors = ["Hallmark Fixture"]
  spec.summary = %q{A small HTTP client used as a test fixture.}
  spec.homepage = "https://example.invalid/#{spec.name}"
  spec.licenses = [
    "MIT",
    "Apache-2.0",
  ]

  spec.files = Dir["lib/**/*.rb"]
  spec.required_ruby_version = ">= 3.0"
  spec.add_dependency "uri", ">= 0.12"
end
