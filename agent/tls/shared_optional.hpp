#pragma once
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace stx::tls {

/// An optional value held through a reference-counted pointer: copies share one value until one
/// of them is written to (copy on write), so a value that many results hold identically is
/// stored once. Reads as std::optional does (`if (v)`, `v->field`, `*v`, `has_value()`,
/// assignment from a value or std::nullopt); a write through a non-const `->` or `*` first
/// copies a shared value, so no holder ever sees another's change.
template <class T>
class SharedOptional {
 public:
  SharedOptional() = default;
  SharedOptional(std::nullopt_t) {}  // NOLINT: implicit, as std::optional's
  SharedOptional(T value)            // NOLINT: implicit, as std::optional's
      : value_(std::make_shared<T>(std::move(value))) {}

  /// Shares `value` with whoever else holds it (e.g. a pool): the first write copies it.
  static SharedOptional Shared(std::shared_ptr<const T> value) {
    SharedOptional out;
    out.value_ = std::const_pointer_cast<T>(std::move(value));
    out.pooled_ = true;
    return out;
  }

  SharedOptional& operator=(T value) {
    value_ = std::make_shared<T>(std::move(value));
    pooled_ = false;
    return *this;
  }
  SharedOptional& operator=(std::nullopt_t) {
    reset();
    return *this;
  }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return value_.get(); }
  T& operator*() { return Unique(); }
  T* operator->() { return &Unique(); }
  const T& value() const {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  void reset() {
    value_.reset();
    pooled_ = false;
  }
  /// True when both hold the very same object (not merely equal values).
  bool SharesWith(const SharedOptional& other) const {
    return value_ != nullptr && value_ == other.value_;
  }

 private:
  T& Unique() {
    if (pooled_ || value_.use_count() > 1) {
      value_ = std::make_shared<T>(*value_);
      pooled_ = false;
    }
    return *value_;
  }

  std::shared_ptr<T> value_;
  bool pooled_ = false;  ///< also held by someone who is no SharedOptional: never write in place
};

}  // namespace stx::tls
