"""Unit test of shape.py: the comparison every fake's conformance test rests on."""

import unittest

from shape import missing_from, shape_of


class ShapeTest(unittest.TestCase):
    def test_a_fake_lacking_a_field_of_the_real_reply_is_told_which(self):
        real = shape_of('{"result":[{"id":"1","proxied":true,"comment":null}],"success":true}')
        fake = shape_of('{"result":[{"id":"9"}],"success":true}')
        self.assertEqual(missing_from(real, fake),
                         ["result[].comment:null", "result[].proxied:bool"])

    def test_a_null_matches_a_value_of_any_type(self):
        real = shape_of('{"comment":null,"ttl":1}')
        fake = shape_of('{"comment":"why","ttl":null}')
        self.assertEqual(missing_from(real, fake), [])

    def test_values_and_list_lengths_do_not_change_a_shape(self):
        a = shape_of('{"result":[{"id":"1","ttl":1},{"id":"2","ttl":300}]}')
        b = shape_of('{"result":[{"id":"7","ttl":60}]}')
        self.assertEqual(missing_from(a, b), [])

    def test_a_field_of_another_type_is_missing(self):
        real = shape_of('{"ttl":60}')
        fake = shape_of('{"ttl":"60"}')
        self.assertEqual(missing_from(real, fake), ["ttl:number"])

    def test_xml_elements_are_compared_without_namespaces(self):
        ns = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
        real = shape_of('<R %s><Sets><Set><Name>a</Name><AliasTarget><DNSName>b</DNSName>'
                        '</AliasTarget></Set></Sets></R>' % ns)
        fake = shape_of('<R %s><Sets><Set><Name>x</Name></Set></Sets></R>' % ns)
        self.assertEqual(missing_from(real, fake),
                         ["R/Sets/Set/AliasTarget/DNSName:text", "R/Sets/Set/AliasTarget:element"])


if __name__ == "__main__":
    unittest.main()
